/* Unit tests for util/sha256.c: the FIPS 180-2 example vectors ("abc", the 448-bit message,
 * one million 'a'), the empty string, the padding boundaries (55, 56, 63, 64 and 119 bytes
 * of 'x', digests computed with Python's hashlib), and updates in pieces of every size
 * giving the same digest as one update. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "util/sha256.h"

static void vec(const char *data, size_t n, const char *want)
{
    char hex[65];
    s7__sha256_hex(data, n, hex);
    CHECK_STR(hex, want);
}

int main(void)
{
    vec("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vec("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vec("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static const struct {
        size_t n;
        const char *hex;
    } x[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
    };
    char xs[128];
    memset(xs, 'x', sizeof xs);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        vec(xs, x[i].n, x[i].hex);

    /* one million 'a', fed in pieces of 1000 */
    char a[1000];
    memset(a, 'a', sizeof a);
    s7__sha256 s;
    uint8_t d[32];
    char hex[65];
    s7__sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        s7__sha256_update(&s, a, sizeof a);
    s7__sha256_final(&s, d);
    s7__sha256_to_hex(d, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* any split gives the digest of the whole */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    char whole[65];
    s7__sha256_hex(buf, sizeof buf, whole);
    for (size_t piece = 1; piece <= 130; piece++) {
        s7__sha256_init(&s);
        for (size_t o = 0; o < sizeof buf; o += piece)
            s7__sha256_update(&s, buf + o, o + piece <= sizeof buf ? piece : sizeof buf - o);
        s7__sha256_final(&s, d);
        s7__sha256_to_hex(d, hex);
        CHECK_STR(hex, whole);
    }
    return t_done();
}
