/*
 * rawsend: write raw bytes to a TCP server and print what comes back.
 * For tests that must send what no well-behaved client would (broken
 * framing, oversized heads, a body cut off mid-way).
 *
 *   rawsend [-a] [-t seconds] PORT < request
 *     -a  abort: close the socket right after sending, read nothing
 *     -t  stop reading after this many seconds of silence (default 3)
 *
 * Connects to 127.0.0.1 only. Exit 0 if the connection was made.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	char			 buf[65536];
	ssize_t			 n;
	int			 fd, ch, abort_after = 0, secs = 3;

	while ((ch = getopt(argc, argv, "at:")) != -1) {
		switch (ch) {
		case 'a': abort_after = 1; break;
		case 't': secs = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[optind]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("connect");
		return 1;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			break;	/* the server may close on bad input */
	}
	if (abort_after) {
		close(fd);
		return 0;
	}
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, secs * 1000) <= 0)
			break;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return 0;
}
