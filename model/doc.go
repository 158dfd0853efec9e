// Package model implements guest functions in Go ("models", as SmallWorld
// calls them) and the calling conventions that pass them arguments.
//
// A [Model] is declared as data: its name, parameter names, support level
// and a Go function. It reaches the machine only through the narrow [Env]
// interface (memory, registers by id, the guest's standard streams, exit),
// so models test without an engine. A [Conv] per platform says where
// integer arguments and the return value live; [Binding] resolves those
// registers once and runs calls with no allocation.
//
// When a call trace is enabled, each call prints as
//
//	==> puts(s=0x7ffe0010)
//	<== 6
package model
