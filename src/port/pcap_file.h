/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap files for the pcap port, behind an interface free of libpcap's
 * headers: <pcap/bpf.h> defines a classic-BPF struct bpf_insn that clashes
 * with <linux/bpf.h>, so only pcap_file.c includes libpcap.
 */
#ifndef UXDP_PCAP_FILE_H
#define UXDP_PCAP_FILE_H

#include <stddef.h>
#include <stdint.h>

struct uxdp_pcapf_pkt {
	uint8_t *data;
	uint32_t len;
};

/* Read every packet of an Ethernet pcap file; -errno with the reason in err. */
int uxdp_pcapf_read_all(const char *path, struct uxdp_pcapf_pkt **pkts, size_t *cnt, char *err,
			size_t err_sz);
void uxdp_pcapf_free_all(struct uxdp_pcapf_pkt *pkts, size_t cnt);

struct uxdp_pcapf_writer;
struct uxdp_pcapf_writer *uxdp_pcapf_writer_open(const char *path, char *err, size_t err_sz);
void uxdp_pcapf_write(struct uxdp_pcapf_writer *w, const uint8_t *data, uint32_t len);
void uxdp_pcapf_writer_close(struct uxdp_pcapf_writer *w);

#endif /* UXDP_PCAP_FILE_H */
