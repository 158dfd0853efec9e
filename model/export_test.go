package model

import "github.com/smallworld-go/smallworld/platform"

// SetRunHook makes f see every model run (name, platform, outcome), for
// the tests' coverage check (coverage_test.go); nil removes it.
func SetRunHook(f func(name string, p *platform.Platform, err error)) { runHook = f }
