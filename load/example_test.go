package load_test

import (
	"fmt"
	"log"

	"github.com/smallworld-go/smallworld/load"
)

// Open a core and its executable, find where the executable was loaded
// and check that it is the right one.
func ExampleOpenCore() {
	c, err := load.OpenCore("../testdata/gen/amd64/seed.O0.kernel.core")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	exe, err := load.OpenELF("../testdata/gen/amd64/seed.O0")
	if err != nil {
		log.Fatal(err)
	}
	defer exe.Close()
	base, err := c.ExeBase(exe)
	if err == nil {
		err = c.Verify(exe, base)
	}
	if err != nil {
		log.Fatal(err)
	}
	th := c.Threads[0]
	fmt.Printf("%s: signal %d in thread %d at %#x (%s loaded at %#x)\n", c.Platform, c.Signal(), th.TID, th.CPU.PC(), exe.Path, base)
}
