package org.oim.search.opensearch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.ExtensiblePlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node, settings from the command line: {@code key=value} arguments
 * (cluster.name=oim node.name=node-1 http.port=9250 ...).
 *
 * <p>The modules a distribution ships as separate folders (transport, common analysis, painless)
 * are passed as classpath plugins instead. Started without the distribution's Bootstrap, so no
 * bootstrap checks, no "not as root" refusal and no security manager: for development and tests
 * on loopback, never for production.
 */
public final class Launcher {

    /** The modules this project needs; the search engine reads no other plugin. */
    static final List<Class<? extends Plugin>> MODULES = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        PainlessPlugin.class
    );

    static final class EmbeddedNode extends Node {
        EmbeddedNode(Settings settings) {
            super(
                InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null, () -> "localhost"),
                MODULES,
                true
            );
        }
    }

    private Launcher() {}

    /**
     * Painless extensions (SPI) for classpath plugins.
     *
     * <p>A distribution loads each module in its own class loader and hands Painless the extensions
     * of the modules that declare {@code extendedPlugins=lang-painless}; classpath plugins get none,
     * so e.g. analysis-common's whitelist for the {@code condition} token filter's scripts would be
     * missing. PainlessPlugin keeps its allowlists in a static map, so loading the extensions found
     * on the classpath once, before the node builds its script engine, gives them to the node.
     */
    static void loadPainlessExtensions() {
        new PainlessPlugin().loadExtensions(new ExtensiblePlugin.ExtensionLoader() {
            @Override
            public <T> List<T> loadExtensions(Class<T> extensionPointType) {
                List<T> found = new ArrayList<>();
                ServiceLoader.load(extensionPointType, Launcher.class.getClassLoader()).forEach(found::add);
                return found;
            }
        });
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        loadPainlessExtensions();
        Node node = new EmbeddedNode(builder.build());
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (cluster.py stop) closes the node cleanly: shards flushed, lock files released.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "oim-node-shutdown"));
        node.start();
        System.out.println("node started: " + node.settings().get("node.name"));
        // The node's own threads are daemons: keep the JVM alive until the shutdown hook has run.
        stopped.await();
    }
}
