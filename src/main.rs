//! The `isagate` binary: parse the command line and hand over to [`isagate::cli`].

use std::process::ExitCode;

/// Every transfer allocates and frees many short-lived buffers on several threads; with
/// glibc's allocator that bookkeeping was a fifth of the gateway's CPU under load
/// (`docs/PERFORMANCE.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    isagate::cli::main()
}
