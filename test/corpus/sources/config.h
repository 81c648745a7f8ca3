#define HEADER_VAL 1
