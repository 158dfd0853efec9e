package machine

import (
	"os"

	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/model"
)

// modelFS is what the file models (fopen...) see: the machine's FS when
// set, else the guest's confined view of the host that the syscall
// layer also gives (linux/fs.go): Sysroot read-only as "/", writes only
// under AllowWrite directories, "/dev/null"; nothing else.
func (m *Machine) modelFS() model.FS {
	if m.FS != nil {
		return m.FS
	}
	return hostFS{&linux.Process{Sysroot: m.Sysroot, AllowWrite: m.AllowWrite}}
}

// hostFS is the confined host view as a model.FS.
type hostFS struct{ p *linux.Process }

var _ model.Remover = hostFS{}

func (h hostFS) Open(path string, flag int) (model.File, error) {
	f, err := h.p.OpenFile(path, flag, 0o666)
	if err != nil {
		return nil, err
	}
	return hostFile{f}, nil
}

func (h hostFS) Remove(path string) error             { return h.p.Remove(path) }
func (h hostFS) Rename(oldpath, newpath string) error { return h.p.Rename(oldpath, newpath) }

// hostFile is an open host file as a model.File.
type hostFile struct{ *os.File }

func (f hostFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
