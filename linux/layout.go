package linux

// structLayout is a C struct as a platform's compiler lays it out.
type structLayout struct {
	Size   uint64
	Fields map[string][2]uint64 // name -> {offset, size}
}
