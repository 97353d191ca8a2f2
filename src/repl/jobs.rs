//! `/jobs` and `/kill ID`: the user's view of background commands.

use super::Repl;
use crate::render;

pub async fn command(repl: &mut Repl, name: &str, args: &str) {
    if name == "jobs" {
        let rows = crate::tools::jobs::list();
        if rows.is_empty() {
            render::println("no background commands");
        }
        for r in rows {
            render::println(&r);
        }
        return;
    }
    if args.is_empty() {
        repl.error("/kill takes a background command's id (see /jobs)");
        return;
    }
    match crate::tools::jobs::kill(args).await {
        Ok(s) => render::println(&s),
        Err(e) => repl.error(&e),
    }
}
