//! The image config a plan gives, merged over a base image's: what the image runs, as whom,
//! where, with what environment, labels, ports and healthcheck.

use std::collections::BTreeMap;

use super::BuildPlan;
use crate::image::{self, History, ImageConfig};

/// `base` overridden by `over`, keeping first-seen order.
pub fn merge_env(base: &[(String, String)], over: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        base.iter().filter(|(k, _)| !over.iter().any(|(o, _)| o == k)).cloned().collect();
    out.extend(over.iter().cloned());
    out
}

pub fn render_env(env: &[(String, String)]) -> Vec<String> {
    env.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

pub fn image_config(plan: &BuildPlan, base: Option<&ImageConfig>, history: Vec<History>) -> ImageConfig {
    let runtime = &plan.runtime;
    let base_config = base.map(|b| b.config.clone()).unwrap_or_default();
    let base_env = base.map(ImageConfig::env_pairs).unwrap_or_default();
    let mut env = merge_env(&base_env, &runtime.env);
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.insert(0, ("PATH".into(), super::DEFAULT_PATH.into()));
    }
    let mut ports: BTreeMap<String, image::Empty> = base_config.exposed_ports.clone().unwrap_or_default();
    ports.extend(runtime.ports.iter().map(|p| (p.clone(), image::Empty {})));
    let mut labels = base_config.labels.clone().unwrap_or_default();
    labels.extend(runtime.labels.clone());
    let healthcheck = runtime.healthcheck.as_ref().map(|h| image::Healthcheck {
        test: std::iter::once("CMD".to_string()).chain(h.cmd.iter().cloned()).collect(),
        interval: h.interval.as_deref().and_then(image::duration_nanos),
        timeout: h.timeout.as_deref().and_then(image::duration_nanos),
        start_period: h.start_period.as_deref().and_then(image::duration_nanos),
        retries: h.retries,
    });
    ImageConfig {
        created: plan.epoch.map(image::rfc3339),
        architecture: plan.platform.architecture.clone(),
        os: plan.platform.os.clone(),
        variant: plan.platform.variant.clone(),
        config: image::RunConfig {
            user: runtime.user.clone(),
            exposed_ports: (!ports.is_empty()).then_some(ports),
            env: Some(render_env(&env)),
            entrypoint: Some(runtime.entrypoint.clone()),
            cmd: (!runtime.cmd.is_empty()).then(|| runtime.cmd.clone()),
            working_dir: runtime.workdir.clone(),
            labels: (!labels.is_empty()).then_some(labels),
            healthcheck: healthcheck.or(base_config.healthcheck),
            extra: base_config.extra,
        },
        rootfs: image::RootFs::default(),
        history,
        extra: base.map(|b| b.extra.clone()).unwrap_or_default(),
    }
}
