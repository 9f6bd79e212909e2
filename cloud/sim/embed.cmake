# embed.cmake - turn a file into a C source defining `<NAME>[]` (NUL-terminated) and
# `<NAME>_len`, so the demo region travels inside the binary. Run with cmake -P and
# -DIN=... -DOUT=... -DNAME=...
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR nbytes "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE "${OUT}" "/* Generated from ${IN} by embed.cmake; do not edit. */\n#include <stddef.h>\n"
     "const char ${NAME}[] = {\n${body}0x00};\nconst size_t ${NAME}_len = ${nbytes};\n")
