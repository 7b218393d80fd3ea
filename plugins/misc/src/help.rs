//! `help`: the commands this account may run.

use osh_core::plugin::{self, Class, Ctx, Plugin};
use osh_core::{Reply, Result};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "help",
    class: Class::Open,
    summary: "show this help",
    title: "OSH help",
    help: "Usage: --osh help\n  List the commands you are allowed to run on this bastion.\n",
    run,
};

fn run(ctx: &mut Ctx) -> Result<Reply> {
    let mut text = String::from(
        "OSH help\n\nCommands you can run (--osh COMMAND, add --help for its options):\n",
    );
    // By class, as The Bastion lists them, then by name; only what is
    // installed and this account may run.
    let mut mine: Vec<&Plugin> = ctx
        .catalogue
        .iter()
        .filter(|p| {
            plugin::class_of(p.name).is_some_and(|(c, _)| c == p.class.as_str())
                && plugin::may_run(
                    p.class.as_str(),
                    p.name,
                    &ctx.account.name,
                    &ctx.groups,
                    &ctx.config,
                )
        })
        .collect();
    let rank = |p: &Plugin| plugin::CLASSES.iter().position(|c| *c == p.class.as_str());
    mine.sort_by(|a, b| (rank(a), a.name).cmp(&(rank(b), b.name)));
    let mut last_class = "";
    for p in mine {
        let class = p.class.as_str();
        if class != last_class {
            text.push_str(&format!("\n[{class}]\n"));
            last_class = class;
        }
        text.push_str(&format!("  {:<28} {}\n", p.name, p.summary));
    }
    text.push_str(
        "\nTo connect to a server: ssh ACCOUNT@BASTION -t -- [USER@]HOST [-p PORT] [-- COMMAND]",
    );
    ctx.out.info(&text);
    Ok(Reply::new(osh_core::Code::OK, ""))
}
