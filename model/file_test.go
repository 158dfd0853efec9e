package model_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// A file case is a sequence of model calls on one binding, with the
// trace they print (FILE* values a model returned show as F1, F2... in
// order of first appearance), the files, memory and output they leave.
type fileCase struct {
	name   string
	files  map[string]string // the MemFS before the calls
	fs     func(*model.MemFS) model.FS
	noFS   bool   // Binding.FS stays nil
	stdio  bool   // Binding.Files names libc's streams at stdinF, stdoutF, stderrF
	stdin  string // the harness's standard input
	calls  []fcall
	trace  string
	after  map[string]string // the MemFS after (every file)
	mem    map[uint64]string
	out    string
	errOut string
}

// A call: string arguments go to 0x11000 + 0x100*k (rewritten each
// call), ints are words (negative ones sign-extended), fref(n) is the
// n-th FILE* (from 1), at(a) a raw address.
type fcall struct {
	name string
	args []any
}

type fref int
type at uint64

// libc's standard streams as a harness finds them (Binding.Files).
const stdinF, stdoutF, stderrF = 0x13000, 0x13100, 0x13200

const buf0, buf1 = 0x12000, 0x12100

func call(name string, args ...any) fcall { return fcall{name, args} }

var openers = map[string]bool{"fopen": true, "fopen64": true, "fdopen": true, "fmemopen": true, "freopen": true}

var fileCases = []fileCase{
	{
		name: "write then read back",
		calls: []fcall{
			call("fopen", "/tmp/a", "w"),
			call("fputs", "hello\n", fref(1)),
			call("fprintf", fref(1), "x=1\n"),
			call("fwrite", "abcdef", 1, 3, fref(1)),
			call("fputc", 'Z', fref(1)),
			call("ftell", fref(1)),
			call("fclose", fref(1)),
			call("fopen64", "/tmp/a", "r"),
			call("fgets", at(buf0), 100, fref(2)),
			call("fgetc", fref(2)),
			call("fread", at(buf1), 1, 100, fref(2)),
			call("feof", fref(2)),
			call("ferror", fref(2)),
			call("fclose", fref(2)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fputs(s=0x11000, stream=F1)
<== 1
==> fprintf(stream=F1, format=0x11100)
<== 4
==> fwrite(ptr=0x11000, size=0x1, nmemb=0x3, stream=F1)
<== 3
==> fputc(c=0x5a, stream=F1)
<== 90
==> ftell(stream=F1)
<== 14
==> fclose(stream=F1)
<== 0
==> fopen64(pathname=0x11000, mode=0x11100)
<== F2
==> fgets(s=0x12000, size=0x64, stream=F2)
<== 73728
==> fgetc(stream=F2)
<== 120
==> fread(ptr=0x12100, size=0x1, nmemb=0x64, stream=F2)
<== 7
==> feof(stream=F2)
<== 1
==> ferror(stream=F2)
<== 0
==> fclose(stream=F2)
<== 0`,
		after: map[string]string{"/tmp/a": "hello\nx=1\nabcZ"},
		mem:   map[uint64]string{buf0: "hello\n\x00", buf1: "=1\nabcZ"},
	},
	{
		name:  "missing file, bad mode, exclusive create",
		files: map[string]string{"/a": "1"},
		calls: []fcall{
			call("fopen", "/nope", "r"),
			call("perror", "open"),
			call("fopen", "/a", "z"),
			call("perror", at(0)),
			call("fopen", "/a", "wx"),
			call("perror", ""),
			call("fopen", "/a", "rb+"),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> perror(s=0x11000)
<== void
==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> perror(s=0x0)
<== void
==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> perror(s=0x11000)
<== void
==> fopen(pathname=0x11000, mode=0x11100)
<== F1`,
		after:  map[string]string{"/a": "1"},
		errOut: "open: No such file or directory\nInvalid argument\nFile exists\n",
	},
	{
		name:  "append modes",
		files: map[string]string{"/log": "one\n"},
		calls: []fcall{
			call("fopen", "/log", "a"),
			call("ftell", fref(1)),
			call("fputs", "two\n", fref(1)),
			call("ftell", fref(1)),
			call("fclose", fref(1)),
			call("fopen", "/log", "a+"),
			call("ftell", fref(2)),
			call("fgetc", fref(2)),
			call("fputs", "3", fref(2)),
			call("ftell", fref(2)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> ftell(stream=F1)
<== 4
==> fputs(s=0x11000, stream=F1)
<== 1
==> ftell(stream=F1)
<== 8
==> fclose(stream=F1)
<== 0
==> fopen(pathname=0x11000, mode=0x11100)
<== F2
==> ftell(stream=F2)
<== 0
==> fgetc(stream=F2)
<== 111
==> fputs(s=0x11000, stream=F2)
<== 1
==> ftell(stream=F2)
<== 9`,
		after: map[string]string{"/log": "one\ntwo\n3"},
	},
	{
		name:  "seek and tell",
		files: map[string]string{"/d": "0123456789"},
		calls: []fcall{
			call("fopen", "/d", "r"),
			call("fseek", fref(1), 4, 0),
			call("fgetc", fref(1)),
			call("fseeko", fref(1), -2, 2),
			call("fgetc", fref(1)),
			call("fseek", fref(1), -1, 1),
			call("ftello", fref(1)),
			call("fseek", fref(1), -100, 1),
			call("perror", "seek"),
			call("fseek", fref(1), 0, 7),
			call("ftello64", fref(1)),
			call("ungetc", 'A', fref(1)),
			call("ftell", fref(1)),
			call("fgetc", fref(1)),
			call("fgetc", fref(1)),
			call("rewind", fref(1)),
			call("ftell", fref(1)),
			call("fseek", fref(1), 20, 0),
			call("fgetc", fref(1)),
			call("feof", fref(1)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fseek(stream=F1, offset=0x4, whence=0x0)
<== 0
==> fgetc(stream=F1)
<== 52
==> fseeko(stream=F1, offset=0xfffffffffffffffe, whence=0x2)
<== 0
==> fgetc(stream=F1)
<== 56
==> fseek(stream=F1, offset=0xffffffffffffffff, whence=0x1)
<== 0
==> ftello(stream=F1)
<== 8
==> fseek(stream=F1, offset=0xffffffffffffff9c, whence=0x1)
<== -1
==> perror(s=0x11000)
<== void
==> fseek(stream=F1, offset=0x0, whence=0x7)
<== -1
==> ftello64(stream=F1)
<== 8
==> ungetc(c=0x41, stream=F1)
<== 65
==> ftell(stream=F1)
<== 7
==> fgetc(stream=F1)
<== 65
==> fgetc(stream=F1)
<== 56
==> rewind(stream=F1)
<== void
==> ftell(stream=F1)
<== 0
==> fseek(stream=F1, offset=0x14, whence=0x0)
<== 0
==> fgetc(stream=F1)
<== -1
==> feof(stream=F1)
<== 1`,
		after:  map[string]string{"/d": "0123456789"},
		errOut: "seek: Invalid argument\n",
	},
	{
		name:  "eof is sticky until clearerr or ungetc; partial items",
		files: map[string]string{"/e": "abcde"},
		calls: []fcall{
			call("fopen", "/e", "r"),
			call("fread", at(buf0), 2, 3, fref(1)),
			call("feof", fref(1)),
			call("fgetc", fref(1)),
			call("ungetc", 'y', fref(1)),
			call("feof", fref(1)),
			call("fgetc", fref(1)),
			call("fgetc", fref(1)),
			call("clearerr", fref(1)),
			call("feof", fref(1)),
			call("ungetc", -1, fref(1)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fread(ptr=0x12000, size=0x2, nmemb=0x3, stream=F1)
<== 2
==> feof(stream=F1)
<== 1
==> fgetc(stream=F1)
<== -1
==> ungetc(c=0x79, stream=F1)
<== 121
==> feof(stream=F1)
<== 0
==> fgetc(stream=F1)
<== 121
==> fgetc(stream=F1)
<== -1
==> clearerr(stream=F1)
<== void
==> feof(stream=F1)
<== 0
==> ungetc(c=0xffffffffffffffff, stream=F1)
<== -1`,
		after: map[string]string{"/e": "abcde"},
		mem:   map[uint64]string{buf0: "abcde"},
	},
	{
		name:  "wrong direction sets the error flag",
		files: map[string]string{"/r": "data"},
		calls: []fcall{
			call("fopen", "/r", "r"),
			call("fputs", "x", fref(1)),
			call("ferror", fref(1)),
			call("perror", "write"),
			call("clearerr", fref(1)),
			call("ferror", fref(1)),
			call("fopen", "/w", "w"),
			call("fgetc", fref(2)),
			call("ferror", fref(2)),
			call("fgets", at(buf0), 10, fref(2)),
			call("fileno", fref(1)),
			call("fileno", fref(2)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fputs(s=0x11000, stream=F1)
<== -1
==> ferror(stream=F1)
<== 1
==> perror(s=0x11000)
<== void
==> clearerr(stream=F1)
<== void
==> ferror(stream=F1)
<== 0
==> fopen(pathname=0x11000, mode=0x11100)
<== F2
==> fgetc(stream=F2)
<== -1
==> ferror(stream=F2)
<== 1
==> fgets(s=0x12000, size=0xa, stream=F2)
<== 0
==> fileno(stream=F1)
<== 3
==> fileno(stream=F2)
<== 4`,
		after:  map[string]string{"/r": "data", "/w": ""},
		errOut: "write: Bad file descriptor\n",
	},
	{
		name: "fmemopen read",
		calls: []fcall{
			call("fmemopen", "abc\x00def", 7, "r"),
			call("fread", at(buf0), 1, 10, fref(1)),
			call("feof", fref(1)),
			call("fseek", fref(1), -3, 2),
			call("fgetc", fref(1)),
			call("fseek", fref(1), 8, 0),
			call("fileno", fref(1)),
			call("fputc", 'q', fref(1)),
			call("fclose", fref(1)),
		},
		trace: `==> fmemopen(buf=0x11000, size=0x7, mode=0x11200)
<== F1
==> fread(ptr=0x12000, size=0x1, nmemb=0xa, stream=F1)
<== 7
==> feof(stream=F1)
<== 1
==> fseek(stream=F1, offset=0xfffffffffffffffd, whence=0x2)
<== 0
==> fgetc(stream=F1)
<== 100
==> fseek(stream=F1, offset=0x8, whence=0x0)
<== -1
==> fileno(stream=F1)
<== -1
==> fputc(c=0x71, stream=F1)
<== -1
==> fclose(stream=F1)
<== 0`,
		mem: map[uint64]string{buf0: "abc\x00def"},
	},
	{
		name: "scanf family, getc and the _unlocked flags on a memory stream",
		calls: []fcall{
			call("fmemopen", "12 ab\nxyz!", 10, "r"),
			call("fscanf", fref(1), "%3s", at(buf0)),
			call("__isoc99_fscanf", fref(1), " %c%c", at(buf0+3), at(buf0+4)),
			call("vfscanf", fref(1), "%2s", vaList{ap(buf1)}),
			call("__isoc99_vfscanf", fref(1), "%c", vaList{ap(buf0 + 6)}),
			call("getc", fref(1)),
			call("_IO_getc", fref(1)),
			call("feof_unlocked", fref(1)),
			call("ferror_unlocked", fref(1)),
			call("fscanf", fref(1), "%s", at(buf0)),
			call("clearerr_unlocked", fref(1)),
			call("feof_unlocked", fref(1)),
			call("fileno_unlocked", fref(1)),
			call("fflush_unlocked", fref(1)),
			call("fclose", fref(1)),
		},
		trace: `==> fmemopen(buf=0x11000, size=0xa, mode=0x11200)
<== F1
==> fscanf(stream=F1, format=0x11100)
<== 1
==> __isoc99_fscanf(stream=F1, format=0x11100)
<== 2
==> vfscanf(stream=F1, format=0x11100, ap=0x15000)
<== 1
==> __isoc99_vfscanf(stream=F1, format=0x11100, ap=0x15000)
<== 1
==> getc(stream=F1)
<== 33
==> _IO_getc(stream=F1)
<== -1
==> feof_unlocked(stream=F1)
<== 1
==> ferror_unlocked(stream=F1)
<== 0
==> fscanf(stream=F1, format=0x11100)
<== -1
==> clearerr_unlocked(stream=F1)
<== void
==> feof_unlocked(stream=F1)
<== 0
==> fileno_unlocked(stream=F1)
<== -1
==> fflush_unlocked(stream=F1)
<== 0
==> fclose(stream=F1)
<== 0`,
		mem: map[uint64]string{buf0: "12\x00abxzxxxx", buf1: "xy\x00zzzzz"},
	},
	{
		name: "putc, the _chk and va_list printers on a memory stream",
		calls: []fcall{
			call("fmemopen", at(0x12200), 64, "w"),
			call("_IO_putc", 'a', fref(1)),
			call("putc", 'b', fref(1)),
			call("putc_unlocked", 'c', fref(1)),
			call("fputs_unlocked", "ef", fref(1)),
			call("fwrite_unlocked", "ghij", 2, 1, fref(1)),
			call("vfprintf", fref(1), "<%d>", vaList{ai(-3)}),
			call("__fprintf_chk", fref(1), 1, "%s|", "xy"),
			call("__vfprintf_chk", fref(1), 1, "%x", vaList{ai(255)}),
			call("ftell", fref(1)),
			call("fclose", fref(1)),
			call("putc", 'q', fref(1)),
		},
		trace: `==> fmemopen(buf=0x12200, size=0x40, mode=0x11200)
<== F1
==> _IO_putc(c=0x61, stream=F1)
<== 97
==> putc(c=0x62, stream=F1)
<== 98
==> putc_unlocked(c=0x63, stream=F1)
<== 99
==> fputs_unlocked(s=0x11000, stream=F1)
<== 1
==> fwrite_unlocked(ptr=0x11000, size=0x2, nmemb=0x1, stream=F1)
<== 1
==> vfprintf(stream=F1, format=0x11100, ap=0x15000)
<== 4
==> __fprintf_chk(stream=F1, flag=0x1, format=0x11200)
<== 3
==> __vfprintf_chk(stream=F1, flag=0x1, format=0x11200, ap=0x15000)
<== 2
==> ftell(stream=F1)
<== 16
==> fclose(stream=F1)
<== 0
==> putc(c=0x71, stream=F1)
error: model putc: stream F1: used after fclose`,
		mem: map[uint64]string{0x12200: "abcefgh<-3>xy|ff\x00"},
	},
	{
		name: "fmemopen write, append, overflow",
		calls: []fcall{
			call("fmemopen", at(buf0), 8, "w"),
			call("fputs", "abc", fref(1)),
			call("fseek", fref(1), 0, 2),
			call("ftell", fref(1)),
			call("fputs", "defghijk", fref(1)),
			call("ferror", fref(1)),
			call("perror", "mem"),
			call("fclose", fref(1)),
			call("fmemopen", at(buf1), 8, "a"),
			call("ftell", fref(2)),
			call("fwrite", "cdef", 2, 2, fref(2)),
			call("fclose", fref(2)),
		},
		trace: `==> fmemopen(buf=0x12000, size=0x8, mode=0x11200)
<== F1
==> fputs(s=0x11000, stream=F1)
<== 1
==> fseek(stream=F1, offset=0x0, whence=0x2)
<== 0
==> ftell(stream=F1)
<== 3
==> fputs(s=0x11000, stream=F1)
<== -1
==> ferror(stream=F1)
<== 1
==> perror(s=0x11000)
<== void
==> fclose(stream=F1)
<== 0
==> fmemopen(buf=0x12100, size=0x8, mode=0x11200)
<== F2
==> ftell(stream=F2)
<== 2
==> fwrite(ptr=0x11000, size=0x2, nmemb=0x2, stream=F2)
<== 2
==> fclose(stream=F2)
<== 0`,
		mem:    map[uint64]string{buf0: "abcdefgh", buf1: "abcdef\x00z"},
		errOut: "mem: No space left on device\n",
	},
	{
		name: "fmemopen without a buffer, and size 0",
		calls: []fcall{
			call("fmemopen", at(0), 16, "w+"),
			call("fputs", "data\n", fref(1)),
			call("rewind", fref(1)),
			call("fgets", at(buf0), 16, fref(1)),
			call("fgets", at(buf0), 1, fref(1)),
			call("fclose", fref(1)),
			call("fmemopen", at(buf1), 0, "r"),
			call("perror", at(0)),
		},
		trace: `==> fmemopen(buf=0x0, size=0x10, mode=0x11200)
<== F1
==> fputs(s=0x11000, stream=F1)
<== 1
==> rewind(stream=F1)
<== void
==> fgets(s=0x12000, size=0x10, stream=F1)
<== 73728
==> fgets(s=0x12000, size=0x1, stream=F1)
<== 73728
==> fclose(stream=F1)
<== 0
==> fmemopen(buf=0x12100, size=0x0, mode=0x11200)
<== 0
==> perror(s=0x0)
<== void`,
		mem:    map[uint64]string{buf0: "\x00ata\n\x00"},
		errOut: "Invalid argument\n",
	},
	{
		name:  "libc's standard streams",
		stdio: true,
		stdin: "q",
		calls: []fcall{
			call("fputs", "o", at(stdoutF)),
			call("fputs", "e", at(stderrF)),
			call("fgetc", at(stdinF)),
			call("fgetc", at(stdinF)),
			call("feof", at(stdinF)),
			call("getchar"),
			call("ftell", at(stdoutF)),
			call("fileno", at(stderrF)),
			call("fputs", "x", at(stdinF)),
			call("ferror", at(stdinF)),
			call("fclose", at(stdoutF)),
			call("fputs", "still\n", at(stdoutF)),
		},
		trace: `==> fputs(s=0x11000, stream=0x13100)
<== 1
==> fputs(s=0x11000, stream=0x13200)
<== 1
==> fgetc(stream=0x13000)
<== 113
==> fgetc(stream=0x13000)
<== -1
==> feof(stream=0x13000)
<== 1
==> getchar()
<== -1
==> ftell(stream=0x13100)
<== -1
==> fileno(stream=0x13200)
<== 2
==> fputs(s=0x11000, stream=0x13000)
<== -1
==> ferror(stream=0x13000)
<== 1
==> fclose(stream=0x13100)
<== 0
==> fputs(s=0x11000, stream=0x13100)
<== 1`,
		out:    "ostill\n",
		errOut: "e",
	},
	{
		name: "libc's own eof bit counts",
		calls: []fcall{
			call("feof", at(0x14200)),
			call("ferror", at(0x14200)),
			call("clearerr", at(0x14200)),
			call("feof", at(0x14200)),
		},
		trace: `==> feof(stream=0x14200)
<== 1
==> ferror(stream=0x14200)
<== 0
==> clearerr(stream=0x14200)
<== void
==> feof(stream=0x14200)
<== 0`,
	},
	{
		name:  "freopen sends stdout to a file",
		stdio: true,
		calls: []fcall{
			call("freopen", "/out", "w", at(stdoutF)),
			call("puts", "hi"),
			call("putchar", '!'),
			call("fputs", "?", at(stdoutF)),
			call("fileno", at(stdoutF)),
			call("fputs", "err", at(stderrF)),
			call("fopen", "/in", "w"),
			call("freopen", "/in", "r", fref(1)),
			call("fgetc", fref(2)),
			call("freopen", "/missing", "r", fref(2)),
			call("fgetc", fref(2)),
		},
		trace: `==> freopen(pathname=0x11000, mode=0x11100, stream=0x13100)
<== 78080
==> puts(s=0x11000)
<== 3
==> putchar(c=0x21)
<== 33
==> fputs(s=0x11000, stream=0x13100)
<== 1
==> fileno(stream=0x13100)
<== 1
==> fputs(s=0x11000, stream=0x13200)
<== 1
==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> freopen(pathname=0x11000, mode=0x11100, stream=F1)
<== F2
==> fgetc(stream=F2)
<== -1
==> freopen(pathname=0x11000, mode=0x11100, stream=F2)
<== 0
==> fgetc(stream=F2)
error: model fgetc: stream F2: used after fclose`,
		after:  map[string]string{"/out": "hi\n!?", "/in": ""},
		errOut: "err",
	},
	{
		name: "fdopen",
		calls: []fcall{
			call("fdopen", 1, "w"),
			call("fputs", "x", fref(1)),
			call("fileno", fref(1)),
			call("fclose", fref(1)),
			call("fdopen", 0, "w"),
			call("fdopen", 5, "r"),
			call("perror", "fdopen"),
		},
		trace: `==> fdopen(fd=0x1, mode=0x11100)
<== F1
==> fputs(s=0x11000, stream=F1)
<== 1
==> fileno(stream=F1)
<== 1
==> fclose(stream=F1)
<== 0
==> fdopen(fd=0x0, mode=0x11100)
<== 0
==> fdopen(fd=0x5, mode=0x11100)
<== 0
==> perror(s=0x11000)
<== void`,
		out:    "x",
		errOut: "fdopen: Bad file descriptor\n",
	},
	{
		name:  "gets",
		stdin: "line1\nline2",
		calls: []fcall{call("gets", at(buf0)), call("gets", at(buf1)), call("gets", at(buf1))},
		trace: `==> gets(s=0x12000)
<== 73728
==> gets(s=0x12100)
<== 73984
==> gets(s=0x12100)
<== 0`,
		mem: map[uint64]string{buf0: "line1\x00", buf1: "line2\x00"},
	},
	{
		name:  "remove and rename",
		files: map[string]string{"/a": "1", "/c": "2"},
		calls: []fcall{
			call("rename", "/a", "/b"),
			call("fopen", "/a", "r"),
			call("remove", "/b"),
			call("unlink", "/b"),
			call("perror", "unlink"),
		},
		trace: `==> rename(oldpath=0x11000, newpath=0x11100)
<== 0
==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> remove(pathname=0x11000)
<== 0
==> unlink(pathname=0x11000)
<== -1
==> perror(s=0x11000)
<== void`,
		after:  map[string]string{"/c": "2"},
		errOut: "unlink: No such file or directory\n",
	},
	{
		name: "no files",
		noFS: true,
		calls: []fcall{
			call("fopen", "/etc/passwd", "r"),
			call("perror", "fopen"),
			call("remove", "/x"),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> perror(s=0x11000)
<== void
==> remove(pathname=0x11000)
<== -1`,
		errOut: "fopen: No such file or directory\n",
	},
	{
		name:  "a refused write",
		files: map[string]string{"/ro": "keep"},
		fs:    func(m *model.MemFS) model.FS { return readOnly{m} },
		calls: []fcall{
			call("fopen", "/ro", "w"),
			call("perror", "fopen"),
			call("fopen", "/ro", "r"),
			call("fgets", at(buf0), 10, fref(1)),
			call("remove", "/ro"),
			call("perror", "remove"),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== 0
==> perror(s=0x11000)
<== void
==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fgets(s=0x12000, size=0xa, stream=F1)
<== 73728
==> remove(pathname=0x11000)
<== -1
==> perror(s=0x11000)
<== void`,
		after:  map[string]string{"/ro": "keep"},
		mem:    map[uint64]string{buf0: "keep\x00"},
		errOut: "fopen: Permission denied\nremove: Read-only file system\n",
	},
	{
		name:  "buffering calls are accepted",
		files: map[string]string{"/f": ""},
		calls: []fcall{
			call("fopen", "/f", "r+"),
			call("setvbuf", fref(1), 0, 2, 0),
			call("setvbuf", fref(1), 0, 9, 0),
			call("setbuf", fref(1), 0),
			call("fflush", fref(1)),
			call("fflush", 0),
			call("__overflow", fref(1), 'a'),
			call("fputc_unlocked", 'b', fref(1)),
			call("rewind", fref(1)),
			call("__underflow", fref(1)),
			call("__uflow", fref(1)),
			call("getc_unlocked", fref(1)),
		},
		trace: `==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> setvbuf(stream=F1, buf=0x0, mode=0x2, size=0x0)
<== 0
==> setvbuf(stream=F1, buf=0x0, mode=0x9, size=0x0)
<== -1
==> setbuf(stream=F1, buf=0x0)
<== void
==> fflush(stream=F1)
<== 0
==> fflush(stream=0x0)
<== 0
==> __overflow(fp=F1, ch=0x61)
<== 97
==> fputc_unlocked(c=0x62, stream=F1)
<== 98
==> rewind(stream=F1)
<== void
==> __underflow(fp=F1)
<== 97
==> __uflow(fp=F1)
<== 97
==> getc_unlocked(stream=F1)
<== 98`,
		after: map[string]string{"/f": "ab"},
	},
	{
		name:  "bad FILE* and bad memory stop the run",
		stdio: true,
		files: map[string]string{"/f": "xxxx"},
		calls: []fcall{
			call("fputs", "x", at(0x11800)),
			call("fgetc", at(0)),
			call("fopen", "/f", "r"),
			call("fclose", fref(1)),
			call("fputs", "x", fref(1)),
			call("feof", fref(1)),
			call("fputs", "x", at(0x14000)),
			call("fputs", "x", at(0x14100)),
			call("fopen", at(0x90000), "r"),
			call("fopen", "/f", "r"),
			call("fread", at(0x90000), 1, 4, fref(2)),
			call("fmemopen", at(0x90000), 4, "r"),
			call("fgetc", fref(3)),
		},
		trace: `==> fputs(s=0x11000, stream=0x11800)
error: model fputs: stream 0x11800: not a FILE (no model opened it; not libc's stdin, stdout or stderr)
==> fgetc(stream=0x0)
error: model fgetc: stream is NULL
==> fopen(pathname=0x11000, mode=0x11100)
<== F1
==> fclose(stream=F1)
<== 0
==> fputs(s=0x11000, stream=F1)
error: model fputs: stream F1: used after fclose
==> feof(stream=F1)
error: model feof: stream F1: used after fclose
==> fputs(s=0x11000, stream=0x14000)
<== 1
==> fputs(s=0x11000, stream=0x14100)
<== declined: the model declines this call: stream 0x14100 is a FILE of the guest's own libc (descriptor 5), which the models cannot reach
error: model fputs: the model declines this call: stream 0x14100 is a FILE of the guest's own libc (descriptor 5), which the models cannot reach
==> fopen(pathname=0x90000, mode=0x11100)
error: model fopen: argument 0: memory: 1 bytes at 0x90000: not mapped
==> fopen(pathname=0x11000, mode=0x11100)
<== F2
==> fread(ptr=0x90000, size=0x1, nmemb=0x4, stream=F2)
error: model fread: memory: 4 bytes at 0x90000: not mapped
==> fmemopen(buf=0x90000, size=0x4, mode=0x11200)
<== F3
==> fgetc(stream=F3)
error: model fgetc: fmemopen buffer: memory: 1 bytes at 0x90000: not mapped`,
		after:  map[string]string{"/f": "xxxx"},
		errOut: "x",
	},
}

// readOnly refuses to open for writing, and cannot remove (no Remover).
type readOnly struct{ m *model.MemFS }

func (r readOnly) Open(path string, flag int) (model.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC) != 0 {
		return nil, fs.ErrPermission
	}
	return r.m.Open(path, flag)
}

// glibcFILE writes what a glibc FILE of descriptor fd begins with at a:
// _flags (glibc's magic and flag bits) and _fileno.
func glibcFILE(t *testing.T, env *fakeenv.Env, a uint64, flags uint64, fd int) {
	w := env.P.WordSize
	if err := env.Mem.PutUint(a, 4, 0xfbad0000|flags); err != nil {
		t.Fatal(err)
	}
	if err := env.Mem.PutUint(a+uint64(w+13*w), 4, uint64(fd)); err != nil {
		t.Fatal(err)
	}
}

// The FILE models on every platform: traces, files, memory and output.
func TestFileModelsEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			for _, tc := range fileCases {
				runFileCase(t, p, tc)
			}
		})
	}
}

func runFileCase(t *testing.T, p *platform.Platform, tc fileCase) {
	t.Helper()
	env, err := fakeenv.New(p, 0x10000, 0x10000)
	if err != nil {
		t.Fatal(err)
	}
	env.In = strings.NewReader(tc.stdin)
	conv, _ := model.ConvFor(p)
	_ = env.CPU.Set(p.SP, 0x18000)
	b, err := model.Bind(env)
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	b.Trace = &trace
	mfs := model.NewMemFS(nil)
	for path, s := range tc.files {
		mfs.WriteFile(path, []byte(s))
	}
	switch {
	case tc.noFS:
	case tc.fs != nil:
		b.FS = tc.fs(mfs)
	default:
		b.FS = mfs
	}
	if tc.stdio {
		b.Files = map[uint64]int{stdinF: 0, stdoutF: 1, stderrF: 2}
	}
	// Guest memory the cases use: buffers, and glibc FILEs of the
	// guest's own libc at 0x14000 (stderr), 0x14100 (descriptor 5) and
	// 0x14200 (stdin, at end of file: _IO_EOF_SEEN).
	copy(env.Mem.Regions()[0].Data[buf1-0x10000:], "ab\x00zzzzz")
	glibcFILE(t, env, 0x14000, 0x2084, 2)
	glibcFILE(t, env, 0x14100, 0x2084, 5)
	glibcFILE(t, env, 0x14200, 0x2088|0x10, 0)
	mem := env.Mem.Regions()[0].Data
	copy(mem[buf0-0x10000:], "xxxxxxxxxxxx")
	var fps []uint64
	for _, cl := range tc.calls {
		for k, a := range cl.args {
			var v uint64
			switch a := a.(type) {
			case string:
				v = 0x11000 + 0x100*uint64(k)
				copy(mem[v-0x10000:], a+"\x00")
			case int:
				v = uint64(int64(a)) & p.WordMask()
			case rune:
				v = uint64(a)
			case at:
				v = uint64(a)
			case vaList:
				putVaList(t, env, a)
				v = vaAt
			case fref:
				if int(a) > len(fps) {
					t.Fatalf("%s: %s: no FILE %d yet", tc.name, cl.name, a)
				}
				v = fps[a-1]
			}
			setArg(t, env, conv, k, v)
		}
		m, err := model.Lookup(cl.name, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Run(m); err != nil {
			fmt.Fprintf(&trace, "error: %v\n", err)
		} else if openers[cl.name] {
			if r := env.CPU.MustGet(conv.Ret); r >= 0x20000 { // a heap block, not NULL or libc's stream
				fps = append(fps, r)
			}
		}
	}
	// Name the FILE* values: the k-th one an opener returned is Fk from
	// that return on (a reused block gets the new name).
	names := map[uint64]string{}
	var lines []string
	opened := 0
	for _, line := range strings.Split(strings.TrimSuffix(trace.String(), "\n"), "\n") {
		if ret, ok := strings.CutPrefix(line, "<== "); ok && len(lines) > 0 && opened < len(fps) &&
			ret == fmt.Sprint(int64(fps[opened])) && openers[strings.TrimPrefix(strings.SplitN(lines[len(lines)-1], "(", 2)[0], "==> ")] {
			opened++
			names[fps[opened-1]] = fmt.Sprintf("F%d", opened)
			line = "<== " + names[fps[opened-1]]
		}
		for fp, name := range names {
			line = strings.ReplaceAll(line, fmt.Sprintf("%#x", fp), name)
		}
		lines = append(lines, line)
	}
	got := strings.Join(lines, "\n")
	want := tc.trace
	for _, cl := range tc.calls { // negative words as the platform prints them
		for _, a := range cl.args {
			if n, ok := a.(int); ok && n < 0 {
				want = strings.ReplaceAll(want, fmt.Sprintf("%#x", uint64(int64(n))), fmt.Sprintf("%#x", uint64(int64(n))&p.WordMask()))
			}
		}
	}
	if got != want {
		t.Errorf("%s: trace\n%s\nwant\n%s", tc.name, got, want)
	}
	after := map[string]string{}
	for _, path := range mfs.Paths() {
		b, _ := mfs.ReadFile(path)
		after[path] = string(b)
	}
	if tc.after == nil {
		tc.after = map[string]string{}
	}
	if fmt.Sprint(after) != fmt.Sprint(tc.after) {
		t.Errorf("%s: files %q, want %q", tc.name, after, tc.after)
	}
	for a, w := range tc.mem {
		g := make([]byte, len(w))
		_ = env.Mem.Read(a, g)
		if string(g) != w {
			t.Errorf("%s: memory at %#x = %q, want %q", tc.name, a, g, w)
		}
	}
	if env.Out.String() != tc.out {
		t.Errorf("%s: stdout %q, want %q", tc.name, env.Out.String(), tc.out)
	}
	if env.Err.String() != tc.errOut {
		t.Errorf("%s: stderr %q, want %q", tc.name, env.Err.String(), tc.errOut)
	}
}

// A FILE of the models is a heap block laid out as glibc's: magic and
// mode bits in _flags (the eof and error bits follow the stream), the
// descriptor in _fileno, and NULL read and write pointers.
func TestFILEBlockEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x10000)
			conv, _ := model.ConvFor(p)
			_ = env.CPU.Set(p.SP, 0x18000)
			b, _ := model.Bind(env)
			b.FS = model.NewMemFS(map[string][]byte{"/f": []byte("z")})
			run := func(name string, args ...uint64) uint64 {
				t.Helper()
				for k, a := range args {
					setArg(t, env, conv, k, a)
				}
				m, _ := model.Lookup(name, p)
				if err := b.Run(m); err != nil {
					t.Fatal(err)
				}
				return env.CPU.MustGet(conv.Ret)
			}
			copy(env.Mem.Regions()[0].Data[0x1000:], "/f\x00r\x00")
			fp := run("fopen", 0x11000, 0x11003)
			w := uint64(p.WordSize)
			flags := func() uint64 { v, _ := env.Mem.Uint(fp, 4); return v }
			if got := flags(); got != 0xfbad0000|0x8 {
				t.Errorf("_flags %#x, want magic|NO_WRITES", got)
			}
			if fd, _ := env.Mem.Uint(fp+w+13*w, 4); fd != 3 {
				t.Errorf("_fileno %d, want 3", fd)
			}
			for i := uint64(1); i <= 6; i++ {
				if v, _ := env.Mem.Uint(fp+i*w, int(w)); v != 0 {
					t.Errorf("pointer %d of the FILE is %#x, want NULL", i, v)
				}
			}
			want := uint64(216)
			if p.WordSize == 4 {
				want = 152
				if p.Name == "i386" {
					want = 148
				}
			}
			if live := b.Live(); len(live) != 1 || live[0][0] != fp || live[0][1] < want || live[0][1] >= want+16 {
				t.Errorf("heap blocks %v, want one of %d bytes at %#x", live, want, fp)
			}
			run("fgetc", fp)
			run("fgetc", fp)
			if got := flags(); got != 0xfbad0000|0x8|0x10 {
				t.Errorf("_flags after end of file %#x, want magic|NO_WRITES|EOF_SEEN", got)
			}
			run("fputc", 'x', fp)
			if got := flags(); got != 0xfbad0000|0x8|0x10|0x20 {
				t.Errorf("_flags after a failed write %#x, want magic|NO_WRITES|EOF_SEEN|ERR_SEEN", got)
			}
			run("clearerr", fp)
			if got := flags(); got != 0xfbad0000|0x8 {
				t.Errorf("_flags after clearerr %#x", got)
			}
			run("fclose", fp)
			if live := b.Live(); len(live) != 0 {
				t.Errorf("fclose left heap blocks %v", live)
			}
		})
	}
}

// fseeko64 takes a 64-bit offset: on 32-bit platforms a register pair
// or two stack words, after the pointer.
func TestFseeko64EveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x10000)
			conv, _ := model.ConvFor(p)
			sp := uint64(0x18000)
			_ = env.CPU.Set(p.SP, sp)
			b, _ := model.Bind(env)
			b.FS = model.NewMemFS(map[string][]byte{"/f": []byte("0123456789")})
			copy(env.Mem.Regions()[0].Data[0x1000:], "/f\x00r\x00")
			setArg(t, env, conv, 0, 0x11000)
			setArg(t, env, conv, 1, 0x11003)
			fopen, _ := model.Lookup("fopen", p)
			if err := b.Run(fopen); err != nil {
				t.Fatal(err)
			}
			fp := env.CPU.MustGet(conv.Ret)
			seek := func(off int64, whence int) {
				t.Helper()
				c := &caller{t: t, env: env, p: p, stack: sp + conv.StackArgs}
				c.arg(parg{kind: 'p', u: fp})
				c.arg(parg{kind: 'L', u: uint64(off)})
				c.arg(parg{kind: 'i', u: uint64(whence)})
				c.finish(conv, sp)
				m, _ := model.Lookup("fseeko64", p)
				if err := b.Run(m); err != nil {
					t.Fatal(err)
				}
				if r := env.CPU.MustGet(conv.Ret); r != 0 {
					t.Fatalf("fseeko64(%d, %d) = %d", off, whence, int64(r))
				}
			}
			tell := func() int64 {
				t.Helper()
				setArg(t, env, conv, 0, fp)
				m, _ := model.Lookup("ftello64", p)
				if err := b.Run(m); err != nil {
					t.Fatal(err)
				}
				v := env.CPU.MustGet(conv.Ret)
				if p.WordSize == 4 {
					hi := env.CPU.MustGet(conv.Ret2)
					if p.ByteOrder == binary.BigEndian {
						v, hi = hi, v
					}
					v = hi<<32 | v&0xffffffff
				}
				return int64(v)
			}
			seek(7, 0)
			if got := tell(); got != 7 {
				t.Errorf("after fseeko64(7, SEEK_SET): ftello64 = %d", got)
			}
			seek(-3, 2)
			if got := tell(); got != 7 {
				t.Errorf("after fseeko64(-3, SEEK_END): ftello64 = %d", got)
			}
			seek(1<<33, 0) // past 32 bits: only a 64-bit offset gets there
			if got := tell(); got != 1<<33 {
				t.Errorf("after fseeko64(1<<33, SEEK_SET): ftello64 = %d", got)
			}
		})
	}
}

// MemFS: files shared by the opens of a path, holes read as zeros,
// O_EXCL, O_TRUNC, remove and rename, data kept after close.
func TestMemFS(t *testing.T) {
	m := model.NewMemFS(map[string][]byte{"/a": []byte("abc")})
	f, err := m.Open("a", os.O_RDWR) // relative: from "/"
	if err != nil {
		t.Fatal(err)
	}
	g, _ := m.Open("/x/../a", os.O_RDONLY)
	if _, err := f.WriteAt([]byte("Z"), 5); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	n, _ := g.ReadAt(buf, 0)
	if string(buf[:n]) != "abc\x00\x00Z" {
		t.Errorf("second open reads %q", buf[:n])
	}
	if size, _ := g.Size(); size != 6 {
		t.Errorf("size %d", size)
	}
	_ = f.Close()
	if err := f.Close(); err == nil {
		t.Error("second close succeeded")
	}
	if _, err := m.Open("/a", os.O_WRONLY|os.O_CREATE|os.O_EXCL); err == nil {
		t.Error("O_EXCL opened an existing file")
	}
	if _, err := m.Open("/b", os.O_RDONLY); err == nil {
		t.Error("opened a missing file")
	}
	if _, err := m.Open("/a", os.O_WRONLY|os.O_TRUNC); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.ReadFile("/a"); len(b) != 0 {
		t.Errorf("O_TRUNC left %q", b)
	}
	_, _ = f.WriteAt([]byte("q"), 0) // closed: refused
	if err := m.Rename("/a", "/c"); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("/a"); err == nil {
		t.Error("removed a renamed file")
	}
	paths := m.Paths()
	sort.Strings(paths)
	if strings.Join(paths, " ") != "/c" {
		t.Errorf("paths %v", paths)
	}
}
