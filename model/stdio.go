package model

import "fmt"

// maxString bounds the C strings models read from guest memory.
const maxString = 1 << 20

func init() {
	register(&Model{
		Name: "puts", Params: []string{"s"}, Returns: true, Level: Exact,
		Doc: "writes the string s and a newline to the guest's standard output; returns the bytes written",
		Fn: func(c *Call) (uint64, error) {
			s, err := c.CBytes(c.Arg(0), maxString) // no copy, no allocation
			if err != nil {
				return 0, fmt.Errorf("read string: %w", err)
			}
			if _, err := c.WriteLine(c.Env().Stdout(), s); err != nil {
				return ^uint64(0), nil // EOF, as puts reports a write error
			}
			return uint64(len(s) + 1), nil
		},
	})
	register(&Model{
		Name: "exit", Params: []string{"status"}, NoReturn: true, Level: Imprecise,
		Doc: "ends the run with the status as the guest's exit status; atexit handlers and stdio flushing are not run",
		Fn: func(c *Call) (uint64, error) {
			c.Env().Exit(int(c.Int(0) & 0xff))
			return 0, nil
		},
	})
}
