# gdbregs.py - gdb's reading of a core's registers, as JSON.
#
# genfixtures runs it inside gdb-multiarch with the exe and the core loaded:
#
#   SMALLWORLD_PLATFORM=amd64 SMALLWORLD_GDB_OUT=out.json \
#   SMALLWORLD_GDB_EXTRA=fs_base,gs_base SMALLWORLD_GDB_OPTIONAL= \
#   gdb-multiarch -batch -nx -iex 'set auto-load off' -iex 'set sysroot /' \
#       -x gdbregs.py EXE CORE
#
# and it writes
#
#   {"platform": "amd64", "selected": 1, "threads": [
#     {"num": 1, "lwp": 1234, "pthread": "0x7f...",
#      "registers": {"rax": "0x1", ...}, "unavailable": ["k0", ...]}, ...]}
#
# threads: every thread in gdb's numbering order; selected: the thread gdb
# selects on loading the core (the one that got the signal); registers: every
# register of the "general" group of frame 0, in gdb's order and spelling
# (lower case), plus those named in SMALLWORLD_GDB_EXTRA, plus those named in
# SMALLWORLD_GDB_OPTIONAL that gdb can read (left out silently when gdb does
# not know them or the core does not hold them: aarch64's tpidr needs an
# NT_ARM_TLS note, which qemu-user does not write), as unsigned hex of the
# register's width; unavailable: registers of the group gdb lists but the
# core does not hold (present only when there are some); pthread: the
# thread's pthread_t as gdb's libthread_db reports it (present only when
# libthread_db is in use).
#
# On failure it prints one line "gdbregs: error: ..." and quits gdb with
# status 1.

import json
import os
import sys

import gdb


def unsigned(value):
    return int(value) & ((1 << (8 * value.type.sizeof)) - 1)


def read_registers(extra, optional):
    frame = gdb.newest_frame()
    names = [r.name for r in frame.architecture().registers("general")]
    names += [n for n in extra if n not in names]
    registers, unavailable = {}, []
    for name in optional:
        if name in names:
            continue
        try:
            value = frame.read_register(name)
        except (gdb.error, ValueError):
            continue
        if value.format_string() != "<unavailable>":
            registers[name.lower()] = "%#x" % unsigned(value)
    for name in names:
        try:
            value = frame.read_register(name)
            if value.format_string() == "<unavailable>":
                unavailable.append(name.lower())
                continue
            registers[name.lower()] = "%#x" % unsigned(value)
        except (gdb.error, ValueError) as e:
            raise gdb.GdbError("read register %s of thread %d: %s"
                               % (name, gdb.selected_thread().num, e))
    return registers, unavailable


def pthread(thread):
    try:
        handle = thread.handle()
    except RuntimeError:
        # gdb.error is one; without libthread_db gdb 13 raises a plain
        # RuntimeError("Thread handle not found.").
        return None
    if not handle:
        return None
    order = "big" if "big endian" in gdb.execute("show endian", to_string=True) else "little"
    return "%#x" % int.from_bytes(handle, order)


def main():
    out = os.environ["SMALLWORLD_GDB_OUT"]
    extra = [n for n in os.environ.get("SMALLWORLD_GDB_EXTRA", "").split(",") if n]
    optional = [n for n in os.environ.get("SMALLWORLD_GDB_OPTIONAL", "").split(",") if n]
    inferior = gdb.selected_inferior()
    if inferior.pid == 0:
        raise gdb.GdbError("no core loaded")
    selected = gdb.selected_thread()
    if selected is None:
        raise gdb.GdbError("no thread selected")
    reading = {
        "platform": os.environ.get("SMALLWORLD_PLATFORM", ""),
        "selected": selected.num,
        "threads": [],
    }
    for thread in sorted(inferior.threads(), key=lambda t: t.num):
        thread.switch()
        registers, unavailable = read_registers(extra, optional)
        entry = {"num": thread.num, "lwp": thread.ptid[1]}
        handle = pthread(thread)
        if handle is not None:
            entry["pthread"] = handle
        entry["registers"] = registers
        if unavailable:
            entry["unavailable"] = unavailable
        reading["threads"].append(entry)
    selected.switch()
    with open(out, "w") as f:
        json.dump(reading, f, indent=1)
        f.write("\n")


try:
    main()
except Exception as e:
    sys.stderr.write("gdbregs: error: %s\n" % e)
    sys.stderr.flush()
    gdb.execute("quit 1")
