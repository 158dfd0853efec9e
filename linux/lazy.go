package linux

import "sync"

// Every platform's data (zsysnum.go's numbers and layouts, the syscall
// tables and constants built from them) is built the first time a
// platform is asked for, not when the program starts: a run uses one
// platform, and building all twelve cost the start of every run ~1.8 ms
// and ~5500 allocations.

// perPlatform is a value built once for each platform of zsysnum.go, on
// first use; safe for concurrent use.
type perPlatform[T any] [len(zsysnumPlatforms)]struct {
	once sync.Once
	v    T
	err  error
}

// get returns the platform's value, building it with build the first
// time. A platform zsysnum.go does not know is built at each call (and
// build finds nothing for it).
func (c *perPlatform[T]) get(platform string, build func(platform string) (T, error)) (T, error) {
	i := zsysnumIndex(platform)
	if i < 0 {
		return build(platform)
	}
	s := &c[i]
	s.once.Do(func() { s.v, s.err = build(platform) })
	return s.v, s.err
}

// zsysnumIndex is the platform's index in zsysnumPlatforms, or -1.
func zsysnumIndex(platform string) int {
	for i, p := range zsysnumPlatforms {
		if p == platform {
			return i
		}
	}
	return -1
}

var (
	layoutCache perPlatform[map[string]structLayout]
	rlimitCache perPlatform[map[string]uint64]
)

// layoutsOf returns the platform's struct layouts (structLayoutsFor),
// built once; nil for a platform zsysnum.go does not know.
func layoutsOf(platform string) map[string]structLayout {
	m, _ := layoutCache.get(platform, func(p string) (map[string]structLayout, error) { return structLayoutsFor(p), nil })
	return m
}

// rlimitsOf returns the platform's RLIMIT_* numbers (rlimitNumsFor),
// built once; nil for a platform zsysnum.go does not know.
func rlimitsOf(platform string) map[string]uint64 {
	m, _ := rlimitCache.get(platform, func(p string) (map[string]uint64, error) { return rlimitNumsFor(p), nil })
	return m
}
