// SPDX-License-Identifier: BSD-2-Clause
/*
 * veth_gen: the traffic generator of bench/veth_rxdrop.sh. Sends one 64-byte
 * UDP/IPv4 frame over and over on an interface through an AF_PACKET socket
 * (sendmmsg bursts of 64, qdisc bypassed) for a number of seconds, then prints
 * how many frames the kernel took. Run it inside the namespace of the sending
 * end of a veth pair.
 *
 *   usage: veth_gen IFNAME SECONDS [SIZE]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	static uint8_t frame[1514];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct mmsghdr msg[BURST];
	struct iovec iov;
	unsigned long long sent = 0;
	double secs, end;
	size_t size = 64;
	int fd, one = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: veth_gen IFNAME SECONDS [SIZE]\n");
		return 2;
	}
	secs = atof(argv[2]);
	if (argc > 3)
		size = (size_t)atoi(argv[3]);
	if (size < 60 || size > sizeof(frame)) {
		fprintf(stderr, "veth_gen: size %zu: want 60..1514\n", size);
		return 2;
	}
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "veth_gen: no interface %s\n", argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "veth_gen: AF_PACKET socket on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	/* 02:00:00:00:00:02 <- 02:00:00:00:00:01, 10.99.0.1:1234 -> 10.99.0.2:5678 */
	memcpy(frame, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	{
		uint8_t *ip = frame + 14, *udp = ip + 20;
		uint16_t tot = htons((uint16_t)(size - 14)), ulen = htons((uint16_t)(size - 34));

		ip[0] = 0x45;
		memcpy(ip + 2, &tot, 2);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\x0a\x63\0\x01\x0a\x63\0\x02", 8);
		uint16_t c = csum(ip, 20);
		memcpy(ip + 10, &c, 2);
		memcpy(udp, "\x04\xd2\x16\x2e", 4);
		memcpy(udp + 4, &ulen, 2);
	}
	iov.iov_base = frame;
	iov.iov_len = size;
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BURST; i++) {
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	end = now() + secs;
	while (now() < end) {
		int n = sendmmsg(fd, msg, BURST, 0);

		if (n > 0)
			sent += (unsigned long long)n;
	}
	printf("%llu\n", sent);
	close(fd);
	return 0;
}
