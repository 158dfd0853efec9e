package machine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/memory"
)

// FromCore builds a machine from a core dump: every PT_LOAD mapped (not
// copied), the registers of thread (0 is the thread that received the
// signal), and the parts the core did not dump marked absent, but for
// anonymous memory nothing wrote (Core.Untouched), which is zero.
func FromCore(c *load.Core, thread int) (*Machine, error) {
	if thread < 0 || thread >= len(c.Threads) {
		return nil, fmt.Errorf("core %s: no thread %d (it has %d)", c.Path, thread, len(c.Threads))
	}
	m, err := New(c.Platform)
	if err != nil {
		return nil, fmt.Errorf("core %s: %w", c.Path, err)
	}
	regions, err := c.Regions()
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		if err := m.AddRegion(r); err != nil {
			m.Release()
			for _, r := range regions {
				r.Release()
			}
			return nil, fmt.Errorf("core %s: %w", c.Path, err)
		}
	}
	for _, s := range c.Segments {
		// Anonymous memory never written is zero, as the region is.
		if s.Filesz < s.Memsz && !c.Untouched(s) {
			m.MarkAbsent(s.Vaddr+memory.PageAlign(s.Filesz), s.Vaddr+s.Memsz)
		}
	}
	m.CPU = c.Threads[thread].CPU.Clone()
	if err := setProcessState(m.CPU); err != nil {
		m.Release()
		return nil, fmt.Errorf("core %s: %w", c.Path, err)
	}
	m.coreThread = thread
	m.tid = c.Threads[thread].TID
	m.auxvals = map[uint64]uint64{}
	for _, a := range c.Auxv {
		if _, dup := m.auxvals[a.Tag]; !dup {
			m.auxvals[a.Tag] = a.Val
		}
	}
	if err := m.mapKuserHelpers(); err != nil {
		m.Release()
		return nil, fmt.Errorf("core %s: %w", c.Path, err)
	}
	m.Syscalls = true
	return m, nil
}

// MismatchError says a file does not hold what the core shows at an
// address: it is not the file the process had mapped.
type MismatchError struct {
	File string
	Addr uint64
	Off  uint64
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s does not match the core: bytes at %#x (file offset %#x) differ", e.File, e.Addr, e.Off)
}

// RestoreFile fills absent memory in [start, end) with the bytes of f
// from fileOff on (the file was mapped there). Bytes the core has are
// compared with the file where they cannot have changed (pages of
// executable mappings, and the file's first page), and a difference is a
// *MismatchError. It returns how many bytes were restored.
func (m *Machine) RestoreFile(f *os.File, fileOff, start, end uint64, perm memory.Perm) (uint64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := uint64(st.Size())
	ps := memory.PageSize
	var restored uint64
	for p := start &^ (ps - 1); p < end; p += ps {
		lo, hi := max(p, start), min(p+ps, end)
		fo := fileOff + (lo - start)
		if fo >= size {
			break
		}
		hi = min(hi, lo+(size-fo))
		if !m.IsAbsent(lo) {
			if perm&memory.X == 0 && fo != 0 {
				continue
			}
			have := make([]byte, hi-lo)
			if err := m.Memory.Read(lo, have); err != nil {
				continue // not mapped at all: nothing to compare
			}
			want := make([]byte, hi-lo)
			if _, err := f.ReadAt(want, int64(fo)); err != nil {
				return restored, fmt.Errorf("read %s at %#x: %w", f.Name(), fo, err)
			}
			if i := firstDiff(have, want); i >= 0 {
				return restored, &MismatchError{File: f.Name(), Addr: lo + uint64(i), Off: fo + uint64(i)}
			}
			continue
		}
		r := m.Memory.Find(lo)
		if r == nil {
			return restored, fmt.Errorf("restore %s: %#x is not mapped", f.Name(), lo)
		}
		if err := r.OverlayFile(lo-r.Start, f, int64(fo), hi-lo); err != nil {
			return restored, fmt.Errorf("restore %s at %#x: %w", f.Name(), lo, err)
		}
		m.markPresent(p, p+ps)
		restored += hi - lo
	}
	return restored, nil
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// RestoreExe checks that exe is the core's main executable and fills the
// memory the core left out from it (the tutorial's "handling missing
// segments", with the base found from the core's auxv). It returns the
// load base and the bytes restored. Where the executable refines the
// core's platform (armhf), the machine takes the thread's registers
// again: call it before changing registers.
func (m *Machine) RestoreExe(c *load.Core, exe *load.ELF) (base, restored uint64, err error) {
	if err := c.SetPlatform(exe.Platform); err != nil {
		return 0, 0, err
	}
	if m.Platform != c.Platform {
		// armhf cores read as armel until the executable says hard-float:
		// take the registers again, as the right platform decodes them.
		m.Platform = c.Platform
		m.CPU = c.Threads[m.coreThread].CPU.Clone()
		if err := setProcessState(m.CPU); err != nil {
			return 0, 0, err
		}
	}
	if base, err = c.ExeBase(exe); err != nil {
		return 0, 0, err
	}
	defer func() {
		if err == nil {
			m.exe = &object{Name: exe.Path, Bias: base, ELF: exe}
		}
	}()
	// Where the core holds none of the file's read-only bytes, ExeBase's
	// agreement with AT_PHDR, AT_ENTRY and AT_PHNUM is the whole check.
	if err := c.Verify(exe, base); err != nil && !errors.Is(err, load.ErrNothingToCompare) {
		return 0, 0, err
	}
	f, err := os.Open(exe.Path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for _, s := range exe.Segments {
		if s.Filesz == 0 {
			continue
		}
		lo := base + s.Vaddr
		n, err := m.RestoreFile(f, s.Off, lo, lo+s.Filesz, s.Perm)
		if err != nil {
			return 0, 0, err
		}
		restored += n
	}
	return base, restored, nil
}

// RestoreFiles fills absent memory from the files the core's NT_FILE note
// names, looked up under sysroot ("/" for the host). Files that do not
// exist are skipped and returned in missing; a file that exists but does
// not match the core is an error.
func (m *Machine) RestoreFiles(c *load.Core, sysroot string) (restored uint64, missing []string, err error) {
	seen := map[string]bool{}
	for _, fm := range c.Files {
		if !m.anyAbsent(fm.Start, fm.End) {
			continue
		}
		path := filepath.Join(sysroot, fm.Path)
		f, err := os.Open(path)
		if err != nil {
			if !seen[fm.Path] {
				missing = append(missing, fm.Path)
				seen[fm.Path] = true
			}
			continue
		}
		perm := memory.Perm(0)
		if r := m.Memory.Find(fm.Start); r != nil {
			perm = r.Perm
		}
		n, err := m.RestoreFile(f, fm.Offset, fm.Start, fm.End, perm)
		f.Close()
		if err != nil {
			return restored, missing, err
		}
		restored += n
	}
	return restored, missing, nil
}

func (m *Machine) anyAbsent(start, end uint64) bool {
	for _, a := range m.absent {
		if a.Start < end && a.End > start {
			return true
		}
	}
	return false
}
