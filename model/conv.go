package model

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// Conv is a calling convention: where a function finds its integer and
// pointer arguments and leaves its integer return value.
type Conv struct {
	Name    string
	IntArgs []string // registers of the first integer arguments, in order
	Ret     string   // integer return value register
}

// convs is keyed by platform name. Sources: System V AMD64 psABI 3.2.3.
var convs = map[string]*Conv{
	"amd64": {Name: "System V AMD64", IntArgs: []string{"rdi", "rsi", "rdx", "rcx", "r8", "r9"}, Ret: "rax"},
}

// ErrNoConv means the platform has no calling convention table yet.
var ErrNoConv = errors.New("no calling convention")

// ConvFor returns the C calling convention of a platform.
func ConvFor(p *platform.Platform) (*Conv, error) {
	c, ok := convs[p.Name]
	if !ok {
		return nil, fmt.Errorf("%w for %s", ErrNoConv, p.Name)
	}
	return c, nil
}
