//! The LLBBridge client over the container's stdio: requests on stdout, responses on stdin.

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint};
use tower::service_fn;

use crate::proto::moby::buildkit::v1::frontend::llb_bridge_client::LlbBridgeClient;

/// Larger than tonic's 4 MiB default: BuildKit may send big files back through ReadFile.
const MAX_DECODE: usize = 16 << 20;

pub type Bridge = LlbBridgeClient<Channel>;

pub async fn connect() -> Result<Bridge, tonic::transport::Error> {
    let stdio = std::sync::Mutex::new(Some(tokio::io::join(tokio::io::stdin(), tokio::io::stdout())));
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(service_fn(move |_| {
            // stdio can be handed out once; a reconnect is fatal by design.
            let io = stdio.lock().ok().and_then(|mut slot| slot.take());
            async move {
                io.map(TokioIo::new).ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdio connection to BuildKit is gone")
                })
            }
        }))
        .await?;
    Ok(LlbBridgeClient::new(channel).max_decoding_message_size(MAX_DECODE))
}
