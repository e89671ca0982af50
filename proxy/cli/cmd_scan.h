/* portcullis scan: scan an image from disk (OCI layout or archive). */
#ifndef PROXY_CLI_CMD_SCAN_H
#define PROXY_CLI_CMD_SCAN_H

int	cmd_scan(int argc, char **argv);

#endif
