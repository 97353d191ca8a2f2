//! A turn: steps until the model finishes, the user stops it, or the step limit.

use super::{Agent, Approver, EventSink, StepOutcome};
use crate::provider::StopReason;

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEnd {
    Done(StopReason),
    Cancelled,
    Stopped,
    MaxSteps(u32),
    Error(String),
}

/// Pauses between steps (`/step`): Some(text) steers, None continues; the
/// front end returns Err(()) to end the turn.
pub trait Pause {
    fn between_steps(
        &mut self,
    ) -> futures_util::future::LocalBoxFuture<'_, Result<Option<String>, ()>>;
}

impl Agent {
    /// Runs steps until the turn ends. `pause`, when given, is asked between steps.
    pub async fn turn(
        &mut self,
        sink: &mut dyn EventSink,
        approver: &mut dyn Approver,
        max_steps: u32,
        mut pause: Option<&mut dyn Pause>,
    ) -> (TurnEnd, u32) {
        let mut steps = 0;
        // Set once a Stop hook kept the turn going (Claude Code's loop guard).
        let mut stop_hook_active = false;
        loop {
            if steps >= max_steps {
                return (TurnEnd::MaxSteps(max_steps), steps);
            }
            steps += 1;
            match self.step(sink, approver).await {
                StepOutcome::WantsMore => {}
                StepOutcome::Done(r) => {
                    if self.stop_hook(stop_hook_active, sink).await.is_none() {
                        return (TurnEnd::Done(r), steps);
                    }
                    stop_hook_active = true;
                    continue;
                }
                StepOutcome::Cancelled => return (TurnEnd::Cancelled, steps),
                StepOutcome::Stopped => return (TurnEnd::Stopped, steps),
                StepOutcome::Error(e) => return (TurnEnd::Error(e), steps),
            }
            if let Some(p) = pause.as_deref_mut() {
                match p.between_steps().await {
                    Ok(Some(steer)) => self.push_user(&steer),
                    Ok(None) => {}
                    Err(()) => return (TurnEnd::Stopped, steps),
                }
            }
        }
    }
}
