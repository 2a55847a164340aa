// Include first in a source file whose float arithmetic must not be contracted into fused multiply-adds: every
// operation then rounds to float32 exactly as the composite tfjs code does, so a tensor updated by the kernel and one
// updated by the op's composite fallback agree bit for bit. (Not a guarded header on purpose: it only sets pragmas.)
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
