//! How to start a transfer, kept by the Activity list so Pause/Resume and Retry can start it
//! again from where it stopped. Every panel asks for jobs in these words.

use std::path::{Path, PathBuf};

use super::jobs::{JobEvent, JobHandle};
use super::mirror::MirrorJob;
use super::transfer::{self, IfExists, Source};
use super::{MappedSink, Services};
use crate::mirror::PlanItem;
use crate::proto::ftp::FtpSite;

/// A transfer to start.
#[derive(Debug, Clone)]
pub enum JobSpec {
    Download {
        source: Source,
        folder: PathBuf,
        name: String,
    },
    Upload {
        site: FtpSite,
        local: PathBuf,
        remote: Vec<u8>,
        /// Append to a shorter file of the same name on the server.
        resume: bool,
    },
    /// A binary posted in news articles, decoded into `folder`.
    NewsBinary {
        job: super::news_binary::BinaryJob,
        folder: PathBuf,
    },
    /// A file's bytes to a TCP peer (`nc -l`, another Portolan).
    SendFile { path: PathBuf, target: String },
    /// One TCP peer's bytes, received on `listen`, into `path` (through `path.part`).
    ReceiveFile {
        listen: std::net::SocketAddr,
        path: PathBuf,
    },
    /// A whole folder in either direction, or a mirror from the Compare view.
    Mirror {
        job: MirrorJob,
        /// The plan the user saw: run once. A retry plans again.
        plan: Option<Vec<PlanItem>>,
        delete: bool,
    },
}

impl JobSpec {
    /// How the Activity list names the job until it reports its own title.
    pub fn title(&self) -> String {
        match self {
            JobSpec::Download {
                source: Source::Link(link),
                ..
            } => link.to_string(),
            JobSpec::Download {
                source: Source::Ftp { site, .. },
                name,
                ..
            } => format!("{}:{} {}", site.host, site.port, name),
            JobSpec::Upload { local, .. } => format!("upload {}", local.display()),
            JobSpec::Mirror { job, .. } => job.title(),
            JobSpec::NewsBinary { job, .. } => format!("{} from {}", job.name, job.group),
            JobSpec::SendFile { path, target } => format!("send {} to {target}", path.display()),
            JobSpec::ReceiveFile { listen, path } => {
                format!("receive {} on {listen}", path.display())
            }
        }
    }

    /// Starts the job; its events go to `events`.
    pub fn start<E: Send + 'static>(
        self,
        services: &Services,
        events: MappedSink<JobEvent, E>,
    ) -> JobHandle {
        match self {
            JobSpec::Download {
                source,
                folder,
                name,
            } => transfer::start_from(services, source, folder, name, events),
            JobSpec::Upload {
                site,
                local,
                remote,
                resume,
            } => transfer::start_upload(services, site, local, remote, resume, events),
            JobSpec::Mirror { job, plan, delete } => {
                super::mirror::start_job(services, job, plan, delete, events)
            }
            JobSpec::NewsBinary { job, folder } => {
                super::news_binary::start(services, job, folder, events)
            }
            JobSpec::SendFile { path, target } => {
                super::socket_file::start_send(services, path, target, events)
            }
            JobSpec::ReceiveFile { listen, path } => {
                super::socket_file::start_receive(services, listen, path, events)
            }
        }
    }

    /// The spec that continues this job after it was interrupted: FTP downloads resume into
    /// the file they had started (`target`, which may be a `name (1).ext` they chose), uploads
    /// append to what reached the server, mirrors plan again.
    #[must_use]
    pub fn continued(self, target: Option<&Path>) -> JobSpec {
        match self {
            JobSpec::Download {
                source: Source::Ftp { site, path, .. },
                folder,
                name,
            } => {
                let (folder, name) = match target.and_then(|t| Some((t.parent()?, t.file_name()?)))
                {
                    Some((dir, file)) => (dir.to_path_buf(), file.to_string_lossy().into_owned()),
                    None => (folder, name),
                };
                JobSpec::Download {
                    source: Source::Ftp {
                        site,
                        path,
                        exists: IfExists::Resume,
                    },
                    folder,
                    name,
                }
            }
            JobSpec::Upload {
                site,
                local,
                remote,
                ..
            } => JobSpec::Upload {
                site,
                local,
                remote,
                resume: true,
            },
            JobSpec::Mirror { job, delete, .. } => JobSpec::Mirror {
                job,
                plan: None,
                delete,
            },
            // A raw stream has no offset to go on from: the whole file again.
            other @ (JobSpec::Download { .. }
            | JobSpec::NewsBinary { .. }
            | JobSpec::SendFile { .. }
            | JobSpec::ReceiveFile { .. }) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Link;

    fn site() -> FtpSite {
        let link = Link::parse("ftp://h/").expect("url");
        FtpSite::from_link(&link).expect("ftp link").0
    }

    #[test]
    fn a_restarted_transfer_continues_where_it_was() {
        let spec = JobSpec::Download {
            source: Source::Ftp {
                site: site(),
                path: b"/f.txt".to_vec(),
                exists: IfExists::Rename,
            },
            folder: PathBuf::from("/d"),
            name: "f.txt".into(),
        };
        // It had chosen "f (1).txt" because f.txt existed: it goes on there.
        let JobSpec::Download {
            source: Source::Ftp { exists, .. },
            folder,
            name,
        } = spec.continued(Some(Path::new("/d/f (1).txt")))
        else {
            panic!("not a download");
        };
        assert_eq!(exists, IfExists::Resume);
        assert_eq!((folder, name.as_str()), (PathBuf::from("/d"), "f (1).txt"));
        let upload = JobSpec::Upload {
            site: site(),
            local: PathBuf::from("/l"),
            remote: b"/r".to_vec(),
            resume: false,
        };
        assert!(matches!(
            upload.continued(None),
            JobSpec::Upload { resume: true, .. }
        ));
    }
}
