//! `agreements check` and the linter behind it: every rule on a broken fixture (file, line
//! and column), the sample agreements, exit codes, JSON shape and golden human output;
//! that it refuses exactly what `serve` refuses; that the docs list what the code accepts.

mod check_and_serve;
mod cli;
mod help_lines;
mod lawful_basis;
mod register;
mod rules;
mod versions;
mod vocabulary;
