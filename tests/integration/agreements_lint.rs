//! `agreements check` and the linter behind it: every rule on a broken fixture (file, line
//! and column), the sample agreements, exit codes, JSON shape and golden human output.

mod cli;
mod rules;
