// Command coredump walks SmallWorld's "Loading a core dump" tutorial with
// smallworld's Go API, one step per tutorial section:
//
//  1. load the core dump (and the original executable);
//  2. apply the core's registers to a CPU;
//  3. avoid the trap: overwrite it with a NOP of the same length;
//  4. handle missing segments: restore text the core left out from the
//     original ELF, at the address the core's auxv gives;
//  5. hook puts with a model;
//  6. emulate and read the final state.
//
// Run it on the project's test core (make fixtures):
//
//	go run ./examples/coredump
//	go run ./examples/coredump -core testdata/gen/amd64/seed.O0.kernel.core
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/smallworld-go/smallworld/insn"
	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/model"
)

func main() {
	corePath := flag.String("core", "testdata/gen/amd64/seed.O0.qemu.core", "core dump to resume")
	exePath := flag.String("exe", "testdata/gen/amd64/seed.O0", "the core's original executable")
	flag.Parse()
	if err := harness(*corePath, *exePath); err != nil {
		fmt.Fprintln(os.Stderr, "coredump:", err)
		os.Exit(1)
	}
}

func harness(corePath, exePath string) error {
	// 1. Load the core dump. Like SmallWorld's Executable.from_elf_core,
	// the loader works out the platform from the file.
	core, err := load.OpenCore(corePath)
	if err != nil {
		return err
	}
	defer core.Close()
	exe, err := load.OpenELF(exePath)
	if err != nil {
		return err
	}
	defer exe.Close()
	fmt.Printf("loaded %s: %s, %d threads, %d segments\n", corePath, core.Platform, len(core.Threads), len(core.Segments))

	// 2. Apply the registers: the machine's CPU is populated from the
	// thread that received the signal (code.populate_cpu(cpu)).
	m, err := machine.FromCore(core, 0)
	if err != nil {
		return err
	}
	defer m.Release()
	pc := m.CPU.PC()
	fmt.Printf("pc = %#x (signal %d)\n", pc, core.Signal())

	// 4. Missing segments: the core may lack the executable's text
	// (filesz 0). Load it from the original file at the core's address.
	base, restored, err := m.RestoreExe(core, exe)
	if err != nil {
		return err
	}
	// The libraries' text comes from the files the core names (NT_FILE).
	libs, _, err := m.RestoreFiles(core, "/")
	if err != nil {
		return err
	}
	fmt.Printf("%s is at %#x; restored %d bytes from it and %d from libraries\n", exe.Path, base, restored, libs)
	if tp, err := m.RecoverThreadPointer(); err == nil && tp != 0 {
		fmt.Printf("thread pointer (absent from the core) recovered: %#x\n", tp)
	}

	// 3. Remove the trap: measure the instruction at pc and overwrite it
	// with a NOP of the same length (0x66 0x90 for the 2-byte ud2).
	code, err := m.ReadBytes(pc, 16)
	if err != nil {
		return err
	}
	n, err := insn.Len(core.Platform, code, false)
	if err != nil {
		return err
	}
	nops := map[int][]byte{1: {0x90}, 2: {0x66, 0x90}, 3: {0x0f, 0x1f, 0x00}, 4: {0x0f, 0x1f, 0x40, 0x00}}
	nop, ok := nops[n]
	if !ok {
		return fmt.Errorf("no %d-byte NOP at hand", n)
	}
	fmt.Printf("trap at pc: % x; writing NOP % x\n", code[:n], nop)
	if err := m.WriteBytes(pc, nop); err != nil {
		return err
	}

	// 5. Hook puts: look up the model for the platform and attach it to
	// the executable's import (its GOT slot).
	puts, err := model.Lookup("puts", core.Platform)
	if err != nil {
		return err
	}
	imp, ok := exe.Import("puts")
	if !ok {
		return fmt.Errorf("%s does not import puts", exe.Path)
	}
	if _, err := m.HookSlot(base+imp.GOT, puts); err != nil {
		return err
	}

	// 6. Emulate. The program prints through the model and exits through
	// the real libc, whose exit_group lands in the syscall layer.
	m.Stdout = os.Stdout
	res, err := m.Run()
	if err != nil {
		return err
	}
	rip, _ := res.CPU.Get("rip")
	fmt.Printf("stop: %v (rip %#x)\n", res.Stop, rip)
	return nil
}
