/*
 * Scan results attached to images for users and other tools: at an
 * image's first decision, a fleet instance (fleet.attach, on by
 * default) pushes a CycloneDX SBOM and the vulnerability report as OCI
 * 1.1 artifacts whose subject is the image manifest, in the image's
 * repository, with the scanner's account, and lists them in the
 * image's referrers (referrers.h), so `oras discover`, cosign and the
 * referrers API find them next to the image. The artifacts are the
 * same bytes whichever instance makes them (no time, no instance in
 * them), so two instances deciding at once add one entry, not two.
 * Off the pull's path: a failure is logged and counted, never felt.
 */
#ifndef PROXY_GATE_ATTACH_H
#define PROXY_GATE_ATTACH_H

struct evbuffer;
struct gate;

#define ATTACH_SBOM_TYPE	"application/vnd.cyclonedx+json"
#define ATTACH_REPORT_TYPE	"application/vnd.portcullis.report.v1+json"

/*
 * repo@digest was just judged from doc (its scan document, JSON text;
 * NULL: read the whole one from the store) with this outcome: attach,
 * once per image and data version.
 */
void	attach_judged(struct gate *, const char *repo, const char *digest,
	    const char *doc, int deny, const char *message);
void	attach_metrics(struct evbuffer *);

#endif
