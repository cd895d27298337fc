# A small x86-64 edge box with AVX2 and FMA (x86-64-v3: Intel Haswell or newer incl. the N100/N97
# Alder Lake-N, AMD Zen), named by LLVM CPU `haswell` (Swift passes -target-cpu as a CPU name,
# which x86-64-v3 is not). Boxes without AVX2 (Atom/Celeron Goldmont) need BOARD_CPU = goldmont.
BOARD_NAME      = Generic x86-64 edge box (x86-64-v3)
BOARD_ARCH      = x86_64
BOARD_CPU       = haswell
BOARD_FEATURES  = avx2 fma
# No emulation: this board's tests run natively.
BOARD_QEMU_CPU  = 
BOARD_THREADS   = 4
