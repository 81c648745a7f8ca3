/* A "compiler" that stays alive for a second, so the memory of whatever sits
   in front of it can be sampled while it runs. */
#include <unistd.h>
int main(void) {
  sleep(1);
  return 0;
}
