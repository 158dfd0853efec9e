package model

// Epoch is the time the time.h models report: fixed, so runs are
// deterministic (2024-01-01T00:00:00Z).
const Epoch = 1704067200

func init() {
	def("time", "tloc", Imprecise, "deterministic: returns Epoch (2024-01-01 UTC) and stores it at tloc unless NULL", func(c *Call) (uint64, error) {
		if t := c.Arg(0); t != 0 {
			c.putWord(t, Epoch)
		}
		return Epoch, nil
	})
	def("clock", "", Imprecise, "deterministic: returns 0 processor time", func(c *Call) (uint64, error) { return 0, nil }).Params = nil
	def("getpid", "", Imprecise, "deterministic: returns 1000", func(c *Call) (uint64, error) { return 1000, nil }).Params = nil
	def("getppid", "", Imprecise, "deterministic: returns 999", func(c *Call) (uint64, error) { return 999, nil }).Params = nil
	for _, n := range []string{"getuid", "geteuid", "getgid", "getegid"} {
		def(n, "", Imprecise, "deterministic: returns 1000", func(c *Call) (uint64, error) { return 1000, nil }).Params = nil
	}
	def("sleep", "seconds", Imprecise, "returns 0 at once: the run does not wait", func(c *Call) (uint64, error) { return 0, nil })
	def("usleep", "usec", Imprecise, "returns 0 at once: the run does not wait", func(c *Call) (uint64, error) { return 0, nil })
	def("isatty", "fd", Imprecise, "returns 0: the standard streams are not terminals in a run", func(c *Call) (uint64, error) { return 0, nil })
	def("sysconf", "name", Imprecise, "_SC_PAGESIZE (30) and _SC_CLK_TCK (2): the platform's page size and 100; others -1", func(c *Call) (uint64, error) {
		switch c.Int(0) {
		case 30:
			return uint64(c.b.Env.Platform().PageSize), nil
		case 2:
			return 100, nil
		}
		return ^uint64(0), nil
	})
	def("write", "fd buf count", Imprecise, "fd 1 and 2 go to the guest's stdout and stderr; other descriptors fail (-1)", func(c *Call) (uint64, error) {
		b := c.bytesAt(c.Arg(1), c.Arg(2))
		switch c.Int(0) {
		case 1:
			c.Env().Stdout().Write(b)
		case 2:
			c.Env().Stderr().Write(b)
		default:
			return ^uint64(0), nil
		}
		return uint64(len(b)), nil
	})
	def("read", "fd buf count", Imprecise, "fd 0 reads the guest's stdin (0 at its end); other descriptors fail (-1)", func(c *Call) (uint64, error) {
		if c.Int(0) != 0 {
			return ^uint64(0), nil
		}
		b := make([]byte, min(c.Arg(2), 1<<20))
		n, _ := c.Env().Stdin().Read(b)
		c.put(c.Arg(1), b[:n])
		return uint64(n), nil
	})
	def("close", "fd", Imprecise, "returns 0 and closes nothing", func(c *Call) (uint64, error) { return 0, nil })
}
