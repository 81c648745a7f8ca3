// The shim stress on Debian 12's llvm-15 layout (stress-while-installing.ts says what it does).
import { hostSetup, stressTest } from './stress-while-installing.js';

stressTest('compiles while the shim is installed, uninstalled, repaired and killed (Debian llvm-15 layout)', hostSetup);
