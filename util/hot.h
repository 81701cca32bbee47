/* Where the compiler places a function: S7_HOT for the few functions every request or reply
 * runs through (the server's answer to a Read Var, the client's request and reply, the
 * exchange engine's job run), S7_COLD for error paths.  GCC and clang put hot functions side
 * by side in .text.hot and cold ones in .text.unlikely, so a request served after the
 * process slept (its code no longer cached, as on every cyclic job of 10 ms and more) reads
 * a few contiguous pages of code instead of lines spread over the whole library: measured
 * with the emulated CPU answering one read every 10 ms, the difference is microseconds per
 * request, the same order as the network round trip's distance to the loopback floor.
 * S7_NOINLINE keeps a rarely used large local array (255 items, 255 DBREAD ranges) in its
 * own function, out of the frames of the common path. */
#ifndef S7_UTIL_HOT_H
#define S7_UTIL_HOT_H

#if defined(__GNUC__) || defined(__clang__)
#define S7_HOT __attribute__((hot))
#define S7_COLD __attribute__((cold))
#define S7_NOINLINE __attribute__((noinline))
#else
#define S7_HOT
#define S7_COLD
#define S7_NOINLINE
#endif

#endif
