//! `batch`: osh commands read from standard input, one a line, each run as
//! if the user had typed `--osh LINE` (through osh itself, so every line is
//! its own session: checked, logged and recorded like any other), answered
//! together as one array.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

use osh_core::plugin::{Class, Ctx, Plugin};
use osh_core::{Reply, Result, Value, json, paths};

/// The plugin.
pub const PLUGIN: Plugin = Plugin {
    name: "batch",
    class: Class::Open,
    summary: "run a batch of osh commands read from standard input",
    title: "batch",
    help: "Usage: --osh batch\n\
           \x20 Reads osh commands (without --osh) line by line on standard input and runs\n\
           \x20 them one after the other; 'exit', 'quit' or end of input stops.\n\
           \x20 Example: printf '%s\\n' info selfListEgressKeys | ssh bastion -- --osh batch\n",
    run,
};

/// A line is at most this long; a longer one is refused rather than cut.
const MAX_LINE: usize = 64 * 1024;

/// `--json`, `--json-pretty`, `--json-greppable` and the like, wherever they
/// are: batch adds its own `--json` to read each answer.
fn without_json_options(line: &str) -> String {
    line.split(' ')
        .filter(|w| {
            !(w.starts_with("--json")
                && w[6..].bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run one line through osh; its human text goes on to the user, its JSON
/// answer comes back.
fn run_line(line: &str) -> Value {
    let command = format!("--osh {} --json", without_json_options(line));
    let child = Command::new(paths::shell())
        .arg("-c")
        .arg(&command)
        // A nested batch (or any plugin reading input) gets nothing of ours.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .env("OSH_BATCH", "1")
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return failed(&format!("couldn't run the command: {e}")),
    };
    let mut answer = String::new();
    let mut inside = false;
    if let Some(out) = child.stdout.take() {
        let mut shown = std::io::stdout().lock();
        for l in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            match l.as_str() {
                "JSON_START" => inside = true,
                "JSON_END" => inside = false,
                _ if inside => {
                    answer.push_str(&l);
                    answer.push('\n');
                }
                _ => {
                    let _ = writeln!(shown, "{l}");
                }
            }
        }
    }
    let _ = child.wait();
    match osh_core::serde_json::from_str::<Value>(&answer) {
        Ok(v) => json!({
            "error_code": v["error_code"],
            "error_message": v["error_message"],
            "value": v["value"],
        }),
        Err(_) => failed("the command gave no answer"),
    }
}

fn failed(why: &str) -> Value {
    json!({
        "error_code": "ERR_HELPER_FAILED",
        "error_message": format!("something went wrong in the command ({why})"),
        "value": null,
    })
}

fn run(ctx: &mut Ctx) -> Result<Reply> {
    ctx.options(&[])?;
    ctx.out.info(
        "Feed me osh commands line by line on stdin, I'll execute them sequentially.\n\
         Use 'exit', 'quit' or ^D to stop.\n\
         --- waiting for input",
    );
    let mut results = Vec::new();
    let mut stdin = std::io::stdin().lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut stdin)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        let raw = String::from_utf8_lossy(&buf);
        let line = raw.trim_end_matches(['\n', '\r']);
        if buf.len() > MAX_LINE && !buf.ends_with(b"\n") {
            return Err(Reply::new(
                osh_core::Code::ERR_INVALID_PARAMETER,
                format!("A line is longer than {MAX_LINE} bytes, stopping here"),
            )
            .with_value(Value::Array(results)));
        }
        if line.eq_ignore_ascii_case("exit") || line.eq_ignore_ascii_case("quit") {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        ctx.out.info(&format!(
            "--- launching command: {}",
            osh_core::ui::clean(line)
        ));
        let result = run_line(line);
        if result["error_code"]
            .as_str()
            .is_none_or(|c| !c.starts_with("OK"))
        {
            ctx.out.info("--- command failed!");
        }
        results.push(json!({"command": line, "result": result}));
    }
    Ok(Reply::ok(Value::Array(results)))
}

#[cfg(test)]
mod tests {
    use super::without_json_options;

    #[test]
    fn batch_sets_its_own_json_mode() {
        assert_eq!(
            without_json_options("accountInfo --json-pretty --account a --json"),
            "accountInfo --account a"
        );
        assert_eq!(without_json_options("info --jsonx1"), "info --jsonx1");
        assert_eq!(without_json_options("info"), "info");
    }
}
