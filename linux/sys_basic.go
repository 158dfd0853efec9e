package linux

import (
	"errors"
	"io"

	"github.com/smallworld-go/smallworld/memory"
)

// maxIO bounds one read or write, as Linux does (MAX_RW_COUNT is a little
// under 2 GiB; we keep host buffers smaller).
const maxIO = 1 << 24

func sysWrite(k *Kernel, a Args) (int64, error) {
	fd, buf, n := a[0], a[1], a[2]
	var w io.Writer
	switch fd {
	case 1:
		w = k.Env.Stdout()
	case 2:
		w = k.Env.Stderr()
	default:
		return -EBADF, nil
	}
	if n > maxIO {
		n = maxIO
	}
	data, err := k.Env.Memory().Slice(buf, int(n))
	if err != nil {
		// The buffer may span regions: copy it.
		data = make([]byte, n)
		if err := k.Env.Memory().Read(buf, data); err != nil {
			if errors.Is(err, memory.ErrUnmapped) {
				return -EFAULT, nil
			}
			return 0, err
		}
	}
	written, err := w.Write(data)
	if err != nil && written == 0 {
		return -EIO, nil
	}
	return int64(written), nil
}

func sysExit(k *Kernel, a Args) (int64, error) {
	k.Env.Exit(int(a[0] & 0xff))
	return 0, nil
}

// sysLseek: the guest's standard streams are the command's own and are
// treated as pipes, as glibc's exit-time stdio sync expects of a pipe.
func sysLseek(k *Kernel, a Args) (int64, error) {
	if a[0] <= 2 {
		return -ESPIPE, nil
	}
	return -EBADF, nil
}
