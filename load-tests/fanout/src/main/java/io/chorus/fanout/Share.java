package io.chorus.fanout;

/**
 * The part of a run one process takes: its connections, which of them publish, and where its
 * publisher ids and source addresses start. A single process takes everything.
 */
record Share(int index, int subscribers, int publishers, int publisherOffset, int connectionOffset,
        int publisherTotal, double connectRate) {

    static Share whole(Options o) {
        int subs = o.mode() == Options.Mode.CONNECTIONS ? o.connections() : o.subscribers();
        return new Share(0, subs, o.totalPublishers(), 0, 0, o.totalPublishers(), o.connectRate());
    }

    /** Splits {@code whole} into {@code k} nearly equal shares. */
    static Share[] split(Share whole, int k) {
        Share[] out = new Share[k];
        int pubOffset = 0;
        int connOffset = 0;
        for (int i = 0; i < k; i++) {
            int subs = whole.subscribers / k + (i < whole.subscribers % k ? 1 : 0);
            int pubs = whole.publishers / k + (i < whole.publishers % k ? 1 : 0);
            out[i] = new Share(i, subs, pubs, pubOffset, connOffset, whole.publisherTotal, whole.connectRate / k);
            pubOffset += pubs;
            connOffset += subs + pubs;
        }
        return out;
    }

    int connections() {
        return subscribers + publishers;
    }

    String encode() {
        return index + "," + subscribers + "," + publishers + "," + publisherOffset + ","
                + connectionOffset + "," + publisherTotal + "," + connectRate;
    }

    static Share decode(String s) {
        String[] f = s.split(",");
        return new Share(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]), Double.parseDouble(f[6]));
    }
}
