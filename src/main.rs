//! The `isagate` binary: parse the command line and hand over to [`isagate::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    isagate::cli::main()
}
