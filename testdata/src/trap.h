/*
 * trap.h - SW_TRAP(): one trapping instruction, placed with inline assembly.
 *
 * The compiler treats __builtin_trap() as no-return and may move it to cold
 * code with no way back; an asm volatile statement is opaque to it, so the
 * code that follows stays reachable and a resumed process can step over the
 * trap and carry on. The "memory" clobber keeps stores from moving across it.
 *
 * One instruction per platform, as in PLATFORMS.md's trap table:
 *   amd64, i386        ud2               (SIGILL)
 *   aarch64            brk #0x3e8        (SIGTRAP)
 *   armel (ARM mode)   udf #0            (SIGILL, 0xe7f000f0)
 *   armhf (Thumb-2)    .inst.n 0xdeff    (SIGILL, Thumb udf #255)
 *   mips*              teq $zero,$zero   (SIGTRAP)
 *   ppc*               trap              (SIGTRAP)
 *   riscv64            ebreak            (SIGTRAP)
 */
#ifndef SMALLWORLD_TRAP_H
#define SMALLWORLD_TRAP_H

#if defined(SW_NO_TRAP)
/* The reference build: the same program without the trap, whose run is
 * what a resumed core must reproduce. */
#define SW_TRAP() __asm__ volatile("" ::: "memory")
#elif defined(__x86_64__) || defined(__i386__)
#define SW_TRAP() __asm__ volatile("ud2" ::: "memory")
#elif defined(__aarch64__)
#define SW_TRAP() __asm__ volatile("brk #0x3e8" ::: "memory")
#elif defined(__arm__) && defined(__thumb__)
#define SW_TRAP() __asm__ volatile(".inst.n 0xdeff" ::: "memory")
#elif defined(__arm__)
#define SW_TRAP() __asm__ volatile("udf #0" ::: "memory")
#elif defined(__mips__)
#define SW_TRAP() __asm__ volatile("teq $zero,$zero" ::: "memory")
#elif defined(__powerpc__) || defined(__powerpc64__)
#define SW_TRAP() __asm__ volatile("trap" ::: "memory")
#elif defined(__riscv)
#define SW_TRAP() __asm__ volatile("ebreak" ::: "memory")
#else
#error "trap.h: no trap instruction for this platform"
#endif

#endif /* SMALLWORLD_TRAP_H */
