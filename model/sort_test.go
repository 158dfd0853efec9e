package model_test

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// A sort case: n elements of size bytes whose first 4 bytes are a key
// (int32, duplicates included, so stability shows) and whose next 4 are
// the element's original index.
type sortCase struct {
	n, size int
	keys    []int32
	find    []int32 // bsearch keys, in the sorted array
}

func sortCases() []sortCase {
	r := rand.New(rand.NewSource(7))
	var cs []sortCase
	for _, shape := range [][2]int{{0, 8}, {1, 8}, {2, 8}, {5, 8}, {37, 8}, {64, 12}, {23, 40}, {100, 8}, {9, 33}, {300, 16}} {
		c := sortCase{n: shape[0], size: shape[1]}
		for i := 0; i < c.n; i++ {
			c.keys = append(c.keys, int32(r.Intn(max(c.n/2, 1))-c.n/4))
		}
		c.find = []int32{-1000, 0, 3, int32(c.n / 5)}
		cs = append(cs, c)
	}
	return cs
}

// glibcSortOracle runs glibc's qsort and bsearch natively on every case
// with a comparison that logs the original indices of what it compares,
// and prints the calls and the sorted indices.
func glibcSortOracle(t *testing.T, cs []sortCase) []string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("the sort oracle needs the host gcc (make setup installs it): %v", err)
	}
	var src strings.Builder
	src.WriteString(`#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) {
	int ka, kb, ia, ib;
	memcpy(&ka, a, 4); memcpy(&kb, b, 4); memcpy(&ia, (const char *)a + 4, 4); memcpy(&ib, (const char *)b + 4, 4);
	printf(" %d:%d", ia, ib);
	return ka < kb ? -1 : ka > kb;
}
static int find(const void *key, const void *b) {
	int k, kb, ib;
	memcpy(&k, key, 4); memcpy(&kb, b, 4); memcpy(&ib, (const char *)b + 4, 4);
	printf(" %d", ib);
	return k < kb ? -1 : k > kb;
}
static void run(int n, int size, const int *keys, const int *find4) {
	char *a = calloc(n ? n : 1, size);
	for (int i = 0; i < n; i++) { memcpy(a + i * size, &keys[i], 4); memcpy(a + i * size + 4, &i, 4); }
	printf("calls"); qsort(a, n, size, cmp); printf("\norder");
	for (int i = 0; i < n; i++) { int ix; memcpy(&ix, a + i * size + 4, 4); printf(" %d", ix); }
	printf("\n");
	for (int k = 0; k < 4; k++) {
		printf("find"); char *p = bsearch(&find4[k], a, n, size, find);
		printf(" = %d\n", p ? (int)((p - a) / size) : -1);
	}
	free(a);
}
int main(void) {
`)
	for i, c := range cs {
		fmt.Fprintf(&src, "\t{ static const int k%d[] = {0", i)
		for _, k := range c.keys {
			fmt.Fprintf(&src, ", %d", k)
		}
		fmt.Fprintf(&src, "}; static const int f%d[] = {%d, %d, %d, %d}; run(%d, %d, k%d + 1, f%d); }\n",
			i, c.find[0], c.find[1], c.find[2], c.find[3], c.n, c.size, i, i)
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	cfile, exe := filepath.Join(dir, "sort.c"), filepath.Join(dir, "sort")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O0", "-o", exe, cfile).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("run the sort oracle: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 6*len(cs) {
		t.Fatalf("the sort oracle printed %d lines for %d cases", len(lines), len(cs))
	}
	return lines
}

// qsort and bsearch make glibc's comparison calls, in glibc's order,
// and leave glibc's order (stable for equal keys), on every platform's
// calling convention; the comparison is a guest function (fakeenv's).
func TestSortMatchesGlibc(t *testing.T) {
	cs := sortCases()
	want := glibcSortOracle(t, cs)
	const base, keyAt, cmpFn, findFn = 0x11000, 0x10100, 0x40000, 0x40010
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			for i, c := range cs {
				env, err := fakeenv.New(p, 0x10000, 0x10000)
				if err != nil {
					t.Fatal(err)
				}
				conv, _ := model.ConvFor(p)
				_ = env.CPU.Set(p.SP, 0x10f00)
				for k := 0; k < c.n; k++ {
					_ = env.Mem.PutUint(base+uint64(k*c.size), 4, uint64(uint32(c.keys[k])))
					_ = env.Mem.PutUint(base+uint64(k*c.size)+4, 4, uint64(k))
				}
				var log strings.Builder
				elem := func(a uint64) (int32, uint64) {
					k, err1 := env.Mem.Uint(a, 4)
					ix, err2 := env.Mem.Uint(a+4, 4)
					if err1 != nil || err2 != nil {
						t.Fatalf("comparison of an address outside memory: %#x", a)
					}
					return int32(uint32(k)), ix
				}
				sign := func(a, b int32) uint64 {
					switch {
					case a < b:
						return ^uint64(0) & p.WordMask()
					case a > b:
						return 1
					}
					return 0
				}
				env.Guest = map[uint64]func(...uint64) uint64{
					cmpFn: func(args ...uint64) uint64 {
						ka, ia := elem(args[0])
						kb, ib := elem(args[1])
						fmt.Fprintf(&log, " %d:%d", ia, ib)
						return sign(ka, kb)
					},
					findFn: func(args ...uint64) uint64 {
						k, _ := env.Mem.Uint(args[0], 4)
						kb, ib := elem(args[1])
						fmt.Fprintf(&log, " %d", ib)
						return sign(int32(uint32(k)), kb)
					},
				}
				b, _ := model.Bind(env)
				run := func(name string, args ...uint64) uint64 {
					for k, a := range args {
						setArg(t, env, conv, k, a)
					}
					m, err := model.Lookup(name, p)
					if err != nil {
						t.Fatal(err)
					}
					if err := b.Run(m); err != nil {
						t.Fatalf("case %d: %s: %v", i, name, err)
					}
					return env.CPU.MustGet(conv.Ret)
				}
				log.WriteString("calls")
				run("qsort", base, uint64(c.n), uint64(c.size), cmpFn)
				log.WriteString("\norder")
				for k := 0; k < c.n; k++ {
					_, ix := elem(base + uint64(k*c.size))
					fmt.Fprintf(&log, " %d", ix)
				}
				for _, f := range c.find {
					_ = env.Mem.PutUint(keyAt, 4, uint64(uint32(f)))
					log.WriteString("\nfind")
					r := run("bsearch", keyAt, base, uint64(c.n), uint64(c.size), findFn)
					at := int64(-1)
					if r != 0 {
						at = int64(r-base) / int64(c.size)
					}
					fmt.Fprintf(&log, " = %d", at)
				}
				got := strings.Split(log.String(), "\n")
				for j, w := range want[6*i : 6*i+6] {
					if got[j] != w {
						t.Errorf("case %d (n %d, size %d) line %d:\n got %.200s\nwant %.200s", i, c.n, c.size, j, got[j], w)
					}
				}
			}
		})
	}
}
