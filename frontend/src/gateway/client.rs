//! How the frontend talks to BuildKit: the few calls it makes, as a trait, so the request flow
//! ([`super::run`]) runs against the real LLBBridge over stdio or against a fake in unit tests.

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint};
use tonic::Status;
use tower::service_fn;

use crate::proto::moby::buildkit::v1::frontend::{self as gw, llb_bridge_client::LlbBridgeClient};
use crate::proto::pb;

/// Larger than tonic's 4 MiB default: BuildKit may send big files back through ReadFile.
const MAX_DECODE: usize = 16 << 20;

/// The gateway calls gofront makes.
#[allow(async_fn_in_trait)] // single-threaded runtime: the futures need not be Send
pub trait Client: Clone {
    async fn ping(&self) -> Result<gw::PongResponse, Status>;
    /// Solves a definition; returns the result's ref id ("" for an empty result).
    async fn solve(&self, request: gw::SolveRequest) -> Result<String, Status>;
    async fn read_file(&self, reference: &str, path: &str, range: Option<(i64, i64)>) -> Result<Vec<u8>, Status>;
    async fn read_dir(
        &self,
        reference: &str,
        dir: &str,
        pattern: &str,
    ) -> Result<Vec<crate::proto::fsutil::types::Stat>, Status>;
    async fn resolve(&self, request: gw::ResolveImageConfigRequest) -> Result<gw::ResolveImageConfigResponse, Status>;
    async fn warn(&self, request: gw::WarnRequest) -> Result<(), Status>;
    async fn finish(&self, request: gw::ReturnRequest) -> Result<(), Status>;
}

/// BuildKit's LLBBridge over the container's stdio: requests on stdout, responses on stdin.
#[derive(Clone)]
pub struct Bridge(LlbBridgeClient<Channel>);

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
    Ok(Bridge(LlbBridgeClient::new(channel).max_decoding_message_size(MAX_DECODE)))
}

impl Client for Bridge {
    async fn ping(&self) -> Result<gw::PongResponse, Status> {
        Ok(self.0.clone().ping(gw::PingRequest {}).await?.into_inner())
    }

    async fn solve(&self, request: gw::SolveRequest) -> Result<String, Status> {
        let response = self.0.clone().solve(request).await?.into_inner();
        Ok(match response.result.and_then(|r| r.result) {
            Some(gw::result::Result::Ref(reference)) => reference.id,
            Some(gw::result::Result::RefDeprecated(id)) => id,
            _ => response.r#ref,
        })
    }

    async fn read_file(&self, reference: &str, path: &str, range: Option<(i64, i64)>) -> Result<Vec<u8>, Status> {
        let request = gw::ReadFileRequest {
            r#ref: reference.to_string(),
            file_path: path.to_string(),
            range: range.map(|(offset, length)| gw::FileRange { offset, length }),
        };
        Ok(self.0.clone().read_file(request).await?.into_inner().data)
    }

    async fn read_dir(
        &self,
        reference: &str,
        dir: &str,
        pattern: &str,
    ) -> Result<Vec<crate::proto::fsutil::types::Stat>, Status> {
        let request = gw::ReadDirRequest {
            r#ref: reference.to_string(),
            dir_path: dir.to_string(),
            include_pattern: pattern.to_string(),
        };
        Ok(self.0.clone().read_dir(request).await?.into_inner().entries)
    }

    async fn resolve(&self, request: gw::ResolveImageConfigRequest) -> Result<gw::ResolveImageConfigResponse, Status> {
        Ok(self.0.clone().resolve_image_config(request).await?.into_inner())
    }

    async fn warn(&self, request: gw::WarnRequest) -> Result<(), Status> {
        self.0.clone().warn(request).await.map(|_| ())
    }

    async fn finish(&self, request: gw::ReturnRequest) -> Result<(), Status> {
        self.0.clone().r#return(request).await.map(|_| ())
    }
}

/// Solve requests gofront makes: results returned as refs, cache imports as the client gave them.
pub fn solve_request(
    definition: pb::Definition,
    evaluate: bool,
    cache_imports: &[gw::CacheOptionsEntry],
) -> gw::SolveRequest {
    gw::SolveRequest {
        definition: Some(definition),
        allow_result_return: true,
        allow_result_array_ref: true,
        cache_imports: cache_imports.to_vec(),
        evaluate,
        ..Default::default()
    }
}
