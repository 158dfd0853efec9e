package linux

import "github.com/smallworld-go/smallworld/platform"

// UcontextField is where a signal frame's ucontext keeps field (a
// register by its name, uc_sigmask, ss_flags...) on p: offset and size.
func UcontextField(p *platform.Platform, field string) (off, size uint64, ok bool) {
	f, ok := layoutsOf(p.Name)["ucontext"].Fields[field]
	return f[0], f[1], ok
}
