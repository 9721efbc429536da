//! `status completions <shell>` and `status man`: printed from the CLI definition alone.

use crate::cli::Cli;
use crate::run::outcome::Exit;

/// `status completions <shell>`: the completion script on stdout.
pub fn print_completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "status",
        &mut script,
    );
    crate::output::print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

/// `status man`: the man page (roff) on stdout.
pub fn print_man() -> anyhow::Result<Exit> {
    let mut page = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
    crate::output::print(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Success)
}
