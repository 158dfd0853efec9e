package model_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

func TestPutsAndTrace(t *testing.T) {
	env, err := fakeenv.New(platform.AMD64, 0x10000, 0x1000)
	if err != nil {
		t.Fatal(err)
	}
	copy(env.Mem.Regions()[0].Data[0x10:], "hello\x00")
	_ = env.CPU.Set("rdi", 0x10010)
	b, err := model.Bind(env)
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	b.Trace = &trace
	puts, err := model.Lookup("puts", platform.AMD64)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(puts); err != nil {
		t.Fatal(err)
	}
	if got := env.Out.String(); got != "hello\n" {
		t.Errorf("stdout = %q", got)
	}
	if rax := env.CPU.MustGet("rax"); rax != 6 {
		t.Errorf("return = %d, want 6", rax)
	}
	if want := "==> puts(s=0x10010)\n<== 6\n"; trace.String() != want {
		t.Errorf("trace = %q, want %q", trace.String(), want)
	}

	// An unterminated string that runs off the mapped memory is a model
	// error, not a crash.
	copy(env.Mem.Regions()[0].Data[0xff0:], strings.Repeat("x", 16))
	_ = env.CPU.Set("rdi", 0x10ff0)
	if err := b.Run(puts); err == nil || !strings.Contains(err.Error(), "puts") {
		t.Errorf("puts on a string off the end of memory: err = %v", err)
	}
}

func TestExit(t *testing.T) {
	env, _ := fakeenv.New(platform.AMD64, 0x10000, 0x1000)
	_ = env.CPU.Set("rdi", 0x1234503) // only the low 8 bits are the status
	b, _ := model.Bind(env)
	exit, _ := model.Lookup("exit", platform.AMD64)
	if err := b.Run(exit); err != nil {
		t.Fatal(err)
	}
	if !env.Exited || env.Status != 3 {
		t.Errorf("exited %v with %d, want status 3", env.Exited, env.Status)
	}
}

func TestLookupErrors(t *testing.T) {
	if _, err := model.Lookup("no_such_function", platform.AMD64); !errors.Is(err, model.ErrNoModel) {
		t.Errorf("unknown model: %v", err)
	}
	riscv := &platform.Platform{Name: "riscv64"} // a platform outside the tables
	if _, err := model.Lookup("puts", riscv); !errors.Is(err, model.ErrNoConv) {
		t.Errorf("platform without a convention: %v", err)
	}
	for _, p := range platform.All {
		if _, err := model.ConvFor(p); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	for _, n := range model.Names() {
		m, _ := model.Lookup(n, platform.AMD64)
		if m.Doc == "" || m.Level == 0 || m.Level != model.Unsupported && m.Fn == nil {
			t.Errorf("%s: declaration incomplete: %+v", n, m)
		}
	}
}
