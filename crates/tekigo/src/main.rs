//! The `tekigo` binary: a thin command line over the library crates. Only this crate prints.

mod assess_cmd;
mod cli;
mod criteria_cmd;
mod incident_cmd;
mod log_cmd;
mod output;
mod probe_cmd;
mod registry_cmd;
mod sbom_cmd;
mod serve_cmd;
mod surveillance_cmd;
mod vulndb_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let lang = cli.lang.map_or_else(output::lang_from_environment, Into::into);
    // Buffered: a large report is written in big chunks, not a system call per line.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let code = match cli.command {
        cli::Command::Criteria(command) => {
            match criteria_cmd::run(&command, cli.criteria.as_deref(), lang, &mut stdout) {
                Ok(code) => code,
                Err(error) => output::report_error(&error, lang),
            }
        }
        cli::Command::Sbom(command) => match sbom_cmd::run(&command, cli.criteria.as_deref(), lang, &mut stdout) {
            Ok(code) => code,
            // SBOM commands keep exit 1 for "not conformant": input errors are 2.
            Err(error) => {
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        cli::Command::Probe(args) => match probe_cmd::run(&args, lang, &mut stdout) {
            Ok(code) => code,
            // Exit 1 means "something fails at the level": usage and network errors are 2.
            Err(error) => {
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        cli::Command::Vulndb(command) => match vulndb_cmd::run(&command, lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => output::report_error(&error, lang),
        },
        // Exit 1 means "not ready" / "not valid": usage and input errors are 2.
        cli::Command::Assess(command) => {
            let mut stdin = std::io::stdin().lock();
            match assess_cmd::run(&command, cli.criteria.as_deref(), lang, &mut stdin, &mut stdout) {
                Ok(code) => code,
                Err(error) => {
                    let _ = stdout.flush();
                    output::report_error(&error, lang);
                    ExitCode::from(2)
                }
            }
        }
        cli::Command::Keys(command) => match assess_cmd::keys(&command, lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => {
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        cli::Command::Declaration(command) => {
            match assess_cmd::declaration(&command, cli.criteria.as_deref(), lang, &mut stdout) {
                Ok(code) => code,
                Err(error) => {
                    let _ = stdout.flush();
                    output::report_error(&error, lang);
                    ExitCode::from(2)
                }
            }
        }
        // Exit 2: no registry, or it could not be read or written.
        cli::Command::Registry(command) => {
            match registry_cmd::run_registry(&command, cli.criteria.as_deref(), lang, &mut stdout) {
                Ok(code) => code,
                Err(error) => {
                    output::report_error(&error, lang);
                    ExitCode::from(2)
                }
            }
        }
        cli::Command::Csaf(command) => {
            match registry_cmd::run_csaf(&command, cli.criteria.as_deref(), lang, &mut stdout) {
                Ok(code) => code,
                Err(error) => {
                    output::report_error(&error, lang);
                    ExitCode::from(2)
                }
            }
        }
        cli::Command::Serve(args) => match serve_cmd::run(&args, cli.criteria.as_deref(), lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => {
                let _ = stdout.flush();
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        cli::Command::Incident(command) => match incident_cmd::run(&command, lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => {
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        // Exit 2: the database could not be read.
        cli::Command::Surveillance(command) => {
            match surveillance_cmd::run(&command, cli.criteria.as_deref(), lang, &mut stdout) {
                Ok(code) => code,
                Err(error) => {
                    let _ = stdout.flush();
                    output::report_error(&error, lang);
                    ExitCode::from(2)
                }
            }
        }
        // Exit 3: something does not verify; 2: usage or network error.
        cli::Command::Verify(args) => match log_cmd::verify(&args, lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => {
                let _ = stdout.flush();
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
        cli::Command::Monitor(args) => match log_cmd::monitor(&args, lang, &mut stdout) {
            Ok(code) => code,
            Err(error) => {
                let _ = stdout.flush();
                output::report_error(&error, lang);
                ExitCode::from(2)
            }
        },
    };
    // A reader that went away (a closed pipe) is not the command's failure.
    let _ = stdout.flush();
    code
}
