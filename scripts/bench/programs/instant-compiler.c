/* A "compiler" that exits at once: what is left of a call is the cost of
   whatever sits in front of it. */
int main(void) { return 0; }
