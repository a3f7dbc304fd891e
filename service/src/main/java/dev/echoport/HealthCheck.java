package dev.echoport;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * {@code echoport healthcheck [URL]}: exits 0 if the URL answers 200 within two seconds, 1 otherwise. For container
 * images without a shell or curl: the health check runs the service's own jar.
 */
final class HealthCheck {
    private HealthCheck() {
    }

    static String defaultUrl() {
        String port = System.getenv().getOrDefault("ECHOPORT_ADMIN_PORT", "8081");
        return "http://127.0.0.1:" + port + "/health/live";
    }

    static int run(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(2000);
            int status = c.getResponseCode();
            c.disconnect();
            if (status == 200) {
                return 0;
            }
            System.err.println("echoport healthcheck: " + url + " answered " + status);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("echoport healthcheck: " + url + ": " + e);
        }
        return 1;
    }
}
