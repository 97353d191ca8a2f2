//! Servers that want an OAuth sign-in, seen from the manager: showing
//! them as needing a login, signing in (by `/mcp login`, or by itself where
//! nobody can type it and `$BROWSER` is set) and signing out.

use super::config::Transport;
use super::{find, oauth_login, Manager, ServerConfig, Status};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

impl Manager {
    /// After `/mcp logout`: the connection ends and the server waits for
    /// `/mcp login` (never signing in again by itself).
    pub fn logged_out(&self, name: &str) -> Result<(), String> {
        {
            let mut inner = self.lock();
            let s = find(&mut inner, name)?;
            if !matches!(s.cfg.transport, Transport::Http { .. }) || s.cfg.disabled {
                return Ok(());
            }
            s.stop_as(Status::NeedsLogin);
        }
        self.bump();
        Ok(())
    }

    /// The server answered 401: sign in at once where that is allowed
    /// (and start again), else show it as needing a login.
    pub(super) async fn needs_login(self, cfg: ServerConfig, epoch: u64) {
        let name = cfg.name.clone();
        let browser = std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty());
        let again =
            self.signins_of(&name).fetch_add(1, Ordering::SeqCst) < oauth_login::AUTO_SIGNINS;
        if !self.interactive && browser && again {
            let say = |l: &str| crate::render::eprintln(l);
            match self.login(&name, &say).await {
                Ok(()) => {
                    let m = self.clone();
                    let fresh = self.update(&name, epoch, |_| {});
                    if fresh {
                        let mut inner = m.lock();
                        m.start_locked(&mut inner, &name);
                    }
                    return;
                }
                Err(e) => return self.fail(&name, epoch, format!("sign-in failed: {e}")),
            }
        }
        let how = if self.interactive {
            format!("run /mcp login {name}")
        } else {
            format!("run /mcp login {name} in wisp, or set BROWSER to sign in from here")
        };
        if self.update(&name, epoch, |s| {
            s.status = Status::NeedsLogin;
            s.peer = None;
            s.stop = None;
        }) {
            self.lock()
                .notices
                .push(format!("mcp: server `{name}` needs login: {how}"));
        }
    }

    pub(super) fn signins_of(&self, name: &str) -> Arc<AtomicU32> {
        let mut m = self.signins.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(name.to_string()).or_default().clone()
    }

    /// Signs in to the HTTP server `name` (its tokens are stored); `say`
    /// shows the address to open.
    pub async fn login(&self, name: &str, say: &(dyn Fn(&str) + Sync)) -> Result<(), String> {
        let cfg = {
            let mut inner = self.lock();
            find(&mut inner, name)?.cfg.clone()
        };
        let Transport::Http { url, headers } = &cfg.transport else {
            return Err(format!(
                "`{name}` is not a Streamable HTTP server; only those sign in"
            ));
        };
        let _turn = self.login_turn.lock().await;
        oauth_login::login(name, url, headers, &cfg.oauth, None, say).await
    }
}
