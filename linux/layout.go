package linux

// structLayout is a C struct as a platform's compiler lays it out.
type structLayout struct {
	Size   uint64
	Fields map[string][2]uint64 // name -> {offset, size}
}

// StructLayout returns a struct of a platform as its compiler lays it out
// ("stat", "stat64" on 32-bit ABIs, "statx"): size, and per field
// {offset, size}.
func StructLayout(platform, name string) (size uint64, fields map[string][2]uint64, ok bool) {
	l, ok := layoutsOf(platform)[name]
	return l.Size, l.Fields, ok
}
