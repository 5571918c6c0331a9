//! A binary posted in articles, decoded into the download folder as an Activity job: the yEnc
//! parts fetched one after another and put together (each part's CRC32 and then the whole
//! file's checked), or a uuencoded file from one article. The name the poster gave is only a
//! suggestion: sanitized, confined to the folder, never over an existing file, written to
//! `NAME.part` and renamed when whole.

use std::path::{Path, PathBuf};

use super::jobs::{JobEvent, JobHandle, JobId, next_job_id};
use super::{MappedSink, Services};
use crate::news::{uu, yenc};
use crate::proto::net::ServerLogin;
use crate::proto::nntp::{ArticleId, NntpSession, Part};

/// Largest article body fetched for one part.
const MAX_PART: u64 = 64 << 20;

/// What to fetch: the articles holding the parts, in part order, from one group.
#[derive(Debug, Clone)]
pub struct BinaryJob {
    pub server: ServerLogin,
    pub group: String,
    pub articles: Vec<u64>,
    /// The name the first part suggests (sanitized before use).
    pub name: String,
}

pub fn start(
    services: &Services,
    job: BinaryJob,
    folder: PathBuf,
    events: MappedSink<JobEvent, impl Send + 'static>,
) -> JobHandle {
    let id = next_job_id();
    let services = services.clone();
    let handle = services.runtime.clone().spawn(async move {
        let result = run(&services, &job, &folder, id, &events).await;
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

async fn run<E>(
    services: &Services,
    job: &BinaryJob,
    folder: &Path,
    id: JobId,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    let target = crate::filename::unique_target(folder, &job.name);
    events.send(JobEvent::Started {
        id,
        title: format!("{} from {}", job.name, job.group),
        target: target.clone(),
    });
    let mut session = NntpSession::connect(&job.server, &services.trust, &services.limits)
        .await
        .map_err(|e| e.to_string())?;
    session
        .select(&job.group)
        .await
        .map_err(|e| e.to_string())?;
    let mut assembly = yenc::Assembly::default();
    let mut whole_crc = None;
    let mut single = None;
    let total_parts = job.articles.len();
    for (i, number) in job.articles.iter().enumerate() {
        let mut body = Vec::new();
        session
            .fetch(Part::Body, &ArticleId::Number(*number), MAX_PART, &mut body)
            .await
            .map_err(|e| format!("part {} of {total_parts}: {e}", i + 1))?;
        match yenc::decode(&body) {
            Ok(part) => {
                whole_crc = whole_crc.or(yenc::file_crc(&body));
                assembly
                    .add(part)
                    .map_err(|e| format!("part {} of {total_parts}: {e}", i + 1))?;
            }
            Err(yenc::YencError::NoBegin) if total_parts == 1 => {
                single = Some(
                    uu::decode(&body)
                        .map_err(|e| format!("cannot decode the file: {e}"))?
                        .data,
                );
            }
            Err(e) => return Err(format!("part {} of {total_parts}: {e}", i + 1)),
        }
        events.send(JobEvent::Progress {
            id,
            done: (i + 1) as u64,
            total: Some(total_parts as u64),
            bytes_per_sec: 0.0,
        });
        events.send(JobEvent::Detail {
            id,
            text: format!("{} of {total_parts} part(s) decoded", i + 1),
        });
    }
    session.quit().await;
    let data = if let Some(data) = single {
        data
    } else {
        if !assembly.is_complete() {
            return Err(format!(
                "the parts do not make the whole file: {} of {} part(s) here; the rest may \
                 not be on this server",
                assembly.parts_held(),
                assembly
                    .total
                    .map_or_else(|| "?".to_string(), |t| t.to_string())
            ));
        }
        assembly.finish(whole_crc).map_err(|e| e.to_string())?
    };
    let part = crate::filename::part_path(&target);
    std::fs::create_dir_all(folder)
        .and_then(|()| std::fs::write(&part, &data))
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    crate::filename::finish_part(&part, &target)
        .map_err(|e| format!("cannot rename to {}: {e}", target.display()))?;
    Ok(target)
}

/// The articles of a multi-part post, in part order, from the group's subjects: the same text
/// around `(n/N)`, the common yEnc posting style. `subject` is the part the user chose.
pub fn sibling_parts(subject: &str, rows: &[(u64, String)]) -> Option<(u32, Vec<u64>)> {
    let (base, _, total) = split_part(subject)?;
    let mut found: Vec<(u32, u64)> = rows
        .iter()
        .filter_map(|(number, s)| {
            let (b, n, t) = split_part(s)?;
            (b == base && t == total).then_some((n, *number))
        })
        .collect();
    found.sort_unstable();
    found.dedup_by_key(|(n, _)| *n);
    Some((total, found.into_iter().map(|(_, number)| number).collect()))
}

/// `text (n/N) more` into (`text  more`, n, N), the last such group in the subject.
fn split_part(subject: &str) -> Option<(String, u32, u32)> {
    let open = subject.rfind('(')?;
    let close = open + subject[open..].find(')')?;
    let (n, t) = subject[open + 1..close].split_once('/')?;
    let (n, t) = (n.trim().parse().ok()?, t.trim().parse().ok()?);
    Some((
        format!("{}{}", &subject[..open], &subject[close + 1..]),
        n,
        t,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_found_by_their_subjects() {
        let rows = vec![
            (7, "\"x.bin\" yEnc (2/3)".to_string()),
            (5, "\"x.bin\" yEnc (1/3)".to_string()),
            (9, "\"y.bin\" yEnc (1/3)".to_string()),
            (8, "\"x.bin\" yEnc (3/3)".to_string()),
            (10, "\"x.bin\" yEnc (1/4)".to_string()),
            (11, "no parts".to_string()),
        ];
        assert_eq!(
            sibling_parts("\"x.bin\" yEnc (2/3)", &rows),
            Some((3, vec![5, 7, 8]))
        );
        assert_eq!(sibling_parts("plain subject", &rows), None);
    }
}
