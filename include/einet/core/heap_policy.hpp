#pragma once
// Process-wide allocator setting for long runs.

namespace einet::core {

// Training and analysis allocate large temporaries (activations, dictionaries, gradients) and
// free them on every minibatch. Above glibc's mmap threshold each one is a fresh mapping that is
// page-faulted and zeroed again, which was 15–20 % of a paper-002 addition run. This keeps blocks
// up to 256 MiB in the heap for reuse, and returns memory to the system only above 512 MiB of free
// heap top. It does nothing if GLIBC_TUNABLES is set (the user's choice wins) or off glibc.
// Called by the CLI and by einet.run; the library itself never changes it.
void prefer_heap_reuse();

}  // namespace einet::core
