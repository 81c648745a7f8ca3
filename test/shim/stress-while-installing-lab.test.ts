// The shim stress in the sid lab (stress-while-installing.ts says what it does).
import { labSetup, stressTest } from './stress-while-installing.js';

stressTest('compiles while the shim is installed, uninstalled, repaired and killed (the lab: Debian sid llvm-21, ccache 4.14)', labSetup);
