package model

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"sync"
	"syscall"
)

// FS is where the file models (fopen, remove...) find files: the
// harness sets Binding.FS. A nil FS means the guest has no files:
// fopen fails with ENOENT.
//
// Paths are the guest's, as the guest passed them (a relative path is
// relative to the guest's working directory, "/"). flag is os.OpenFile's:
// O_RDONLY, O_WRONLY or O_RDWR, with O_CREATE, O_TRUNC and O_EXCL; the
// models never ask for O_APPEND (they append by writing at Size).
// Errors say why an open failed: a syscall.Errno, or an error matching
// fs.ErrNotExist, fs.ErrPermission or fs.ErrExist; the models turn them
// into errno values (EIO for others).
type FS interface {
	Open(path string, flag int) (File, error)
}

// File is an open file of an FS. The models keep the position
// themselves and read and write at offsets, with no buffer of their
// own: what a model writes is in the file when the model returns.
type File interface {
	io.ReaderAt
	io.WriterAt
	Size() (int64, error)
	Close() error
}

// Remover is an FS that can also remove and rename files, for the
// remove, unlink and rename models (without it they fail with EROFS).
type Remover interface {
	Remove(path string) error
	Rename(oldpath, newpath string) error
}

// MemFS is an FS in memory: a map of clean absolute paths to contents.
// What the guest writes stays in it after the run, for the harness to
// read (ReadFile); files open when the run ends keep their last write.
// It is safe for concurrent use.
type MemFS struct {
	mu    sync.Mutex
	files map[string]*memData
}

type memData struct{ b []byte }

var (
	_ FS      = (*MemFS)(nil)
	_ Remover = (*MemFS)(nil)
)

// NewMemFS returns a MemFS holding files (path -> contents; copied).
func NewMemFS(files map[string][]byte) *MemFS {
	m := &MemFS{files: map[string]*memData{}}
	for p, b := range files {
		m.WriteFile(p, b)
	}
	return m
}

// memPath is the key of a guest path: absolute and clean.
func memPath(p string) string { return path.Clean("/" + p) }

// WriteFile sets the contents of a file (a copy of b), creating it.
func (m *MemFS) WriteFile(p string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]*memData{}
	}
	m.files[memPath(p)] = &memData{b: append([]byte(nil), b...)}
}

// ReadFile returns a copy of a file's contents.
func (m *MemFS) ReadFile(p string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.files[memPath(p)]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), d.b...), true
}

// Paths lists the files, sorted.
func (m *MemFS) Paths() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.files))
	for p := range m.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Open opens a file (see FS). Every open file of a path shares its
// contents; a removed file stays readable through the files open on it.
func (m *MemFS) Open(p string, flag int) (File, error) {
	if p == "" {
		return nil, syscall.ENOENT
	}
	key := memPath(p)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]*memData{}
	}
	d, ok := m.files[key]
	switch {
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, syscall.EEXIST
	case !ok && flag&os.O_CREATE == 0:
		return nil, syscall.ENOENT
	case !ok:
		d = &memData{}
		m.files[key] = d
	}
	if flag&os.O_TRUNC != 0 && flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		d.b = d.b[:0]
	}
	return &memFile{fs: m, d: d}, nil
}

// Remove removes a file.
func (m *MemFS) Remove(p string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := memPath(p)
	if _, ok := m.files[key]; !ok {
		return syscall.ENOENT
	}
	delete(m.files, key)
	return nil
}

// Rename moves a file, replacing any file at newpath.
func (m *MemFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	from, to := memPath(oldpath), memPath(newpath)
	d, ok := m.files[from]
	if !ok {
		return syscall.ENOENT
	}
	delete(m.files, from)
	m.files[to] = d
	return nil
}

// memFile is an open file of a MemFS.
type memFile struct {
	fs     *MemFS
	d      *memData
	closed bool
}

var errClosed = errors.New("file already closed")

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, errClosed
	}
	if off < 0 {
		return 0, syscall.EINVAL
	}
	if off >= int64(len(f.d.b)) {
		return 0, io.EOF
	}
	n := copy(p, f.d.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, errClosed
	}
	if off < 0 || off > 1<<40 {
		return 0, syscall.EINVAL
	}
	if end := off + int64(len(p)); end > int64(len(f.d.b)) {
		f.d.b = append(f.d.b, make([]byte, end-int64(len(f.d.b)))...) // a hole reads as zeros
	}
	return copy(f.d.b[off:], p), nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return int64(len(f.d.b)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return errClosed
	}
	f.closed = true
	return nil
}

// errnoOf is the errno value (generic Linux numbering) of an FS error.
func errnoOf(err error) int64 {
	var en syscall.Errno
	switch {
	case errors.As(err, &en):
		return int64(en)
	case errors.Is(err, fs.ErrNotExist):
		return errENOENT
	case errors.Is(err, fs.ErrPermission):
		return errEACCES
	case errors.Is(err, fs.ErrExist):
		return errEEXIST
	}
	return errEIO
}
