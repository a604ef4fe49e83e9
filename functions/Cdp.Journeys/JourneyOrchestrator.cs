using Cdp.Core.Journeys;
using Microsoft.DurableTask;

namespace Cdp.Journeys;

/// <summary>
/// The one journey orchestrator: interprets a <see cref="JourneyDefinition"/> step by step, deterministically.
/// Waits are durable timers; <c>waitFor</c> is an external event raced against a timer; <c>if</c>,
/// <c>checkConsent</c> and the time zone are asked of the profile through an activity; actions (built-in or plugged
/// in) run through one activity, tried as the step says; the instance's version (<see cref="OrchestrationVersion"/>)
/// keeps instances started by an earlier release on the path they started on; every step is reported to the instance's record (an activity) and set as custom
/// status. An exit raised to the instance (<see cref="JourneySignals.Exit"/>) ends it before its next step, or at
/// once while it waits. Hosted by Cdp.Functions (<c>[OrchestrationTrigger]</c>) and Cdp.Local (in-process host).
/// </summary>
/// <remarks>
/// Orchestrator code is replayed: it reads time only from <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>,
/// makes no GUIDs and does no I/O; everything that touches the world happens in an activity. It awaits only
/// durable tasks (timers, events, activities): timers are cancelled with <c>Cancel()</c>, never the awaited
/// <c>CancelAsync()</c>, whose continuation would resume outside the orchestration's scheduler and stall it.
/// </remarks>
public static class JourneyOrchestrator
{
    public const string Name = "JourneyOrchestrator";

    /// <summary>Retries of the bookkeeping activities (asking the profile, keeping the record): 3 attempts, 1 s apart at first.</summary>
    public static readonly TaskOptions InternalRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2));

    /// <summary>A plugin action's attempts on instances started before versioning: 5, 5 s apart at first, doubling.</summary>
    public static readonly TaskOptions PluginRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(5), 2));

    /// <summary>An action's attempts when its step says nothing: 5, 5 s apart at first, doubling; a webhook's 10 s each.</summary>
    public const int DefaultRetries = 5;

    public static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultWebhookTimeout = Cdp.Core.Journeys.Actions.WebhookAction.DefaultTimeout;

    public static Task<JourneyOutcome> RunAsync(TaskOrchestrationContext context, JourneyRun run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        return new Interpreter(context, run).RunAsync();
    }

    /// <summary>The longest wait between two attempts of a webhook, unless its first interval is longer.</summary>
    public static readonly TimeSpan MaxWebhookRetryInterval = TimeSpan.FromHours(1);

    private sealed class Interpreter(TaskOrchestrationContext context, JourneyRun run)
    {
        private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
        private Task<JourneySignal> _exit = null!;
        private int _sequence = run.Resume?.Sequence ?? 0;

        // While resuming: the step to pick up at (steps before it are skipped, branches on its path entered without
        // deciding again), and the end of the wait it was in.
        private string? _resumeAt = run.Resume?.Step;
        private DateTime? _resumeUntil = run.Resume?.Until?.UtcDateTime;

        public async Task<JourneyOutcome> RunAsync()
        {
            // Listened to from the start: an exit raised at any time is seen before the next step.
            _exit = context.WaitForExternalEvent<JourneySignal>(JourneySignals.Exit);
            await ReportAsync("start", "start", _resumeAt is null ? run.Journey.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : "resumed at " + _resumeAt);
            JourneyOutcome outcome;
            try
            {
                await StepsAsync(run.Journey.Steps, "steps");
                if (_resumeAt is not null)
                {
                    throw new InvalidOperationException($"Journey '{run.Journey.Id}' v{run.Journey.Version} has no step '{_resumeAt}' to resume at.");
                }

                outcome = new JourneyOutcome(JourneyInstanceStatus.Completed);
            }
            catch (ExitException exit)
            {
                outcome = new JourneyOutcome(JourneyInstanceStatus.Exited, exit.Reason);
            }
            catch (TaskFailedException failed)
            {
                await ReportAsync("end", "end", failed.FailureDetails.ErrorMessage, JourneyInstanceStatus.Failed, "failed: " + failed.TaskName);
                throw;
            }
            catch (Exception failed)
            {
                // Any other failure (a definition the interpreter cannot run, a resume point it lacks) ends the record
                // too: one left running would block re-entry after exit and show a run that is not there.
                await ReportAsync("end", "end", failed.Message, JourneyInstanceStatus.Failed, "failed: " + failed.GetType().Name);
                throw;
            }

            context.SetCustomStatus(null);
            await ReportAsync("end", "end", null, outcome.Status, outcome.Reason);
            return outcome;
        }

        private async Task StepsAsync(IReadOnlyList<JourneyStep>? steps, string path)
        {
            for (var i = 0; i < (steps?.Count ?? 0); i++)
            {
                ThrowIfExited();
                var step = steps![i];
                var at = FormattableString.Invariant($"{path}[{i}]");
                if (_resumeAt is not null && _resumeAt != at)
                {
                    if (_resumeAt.StartsWith(at + ".", StringComparison.Ordinal))
                    {
                        var branch = _resumeAt[(at.Length + 1)..].Split('[')[0];
                        await StepsAsync(Branch(step, branch), at + "." + branch);
                    }

                    continue; // before the step to resume at: done before the host lost the instance
                }

                _resumeAt = null;
                context.SetCustomStatus(at);
                await StepAsync(step, at);
            }
        }

        private IReadOnlyList<JourneyStep>? Branch(JourneyStep step, string name) => name switch
        {
            "then" => step.Then,
            "else" => step.Else,
            "onEvent" => step.OnEvent,
            "onTimeout" => step.OnTimeout,
            _ => throw new InvalidOperationException($"Journey '{run.Journey.Id}' has no branch '{name}' to resume in."),
        };

        /// <summary>The end of a wait resumed after its host lost the instance, once; null otherwise.</summary>
        private DateTime? TakeResumedUntil()
        {
            var until = _resumeUntil;
            _resumeUntil = null;
            return until;
        }

        private async Task StepAsync(JourneyStep step, string path)
        {
            switch (step.Type)
            {
                case JourneyStep.Wait:
                    var fire = TakeResumedUntil() ?? await FireAtAsync(step);
                    await ReportAsync(path, step.Type, JourneyInstance.UntilPrefix + fire.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                    await WaitAsync(fire);
                    break;
                case JourneyStep.WaitFor:
                    var began = context.CurrentUtcDateTime;
                    var deadline = TakeResumedUntil() ?? began + Duration(step.Timeout);
                    await ReportAsync(path, step.Type, JourneyInstance.UntilPrefix + deadline.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                    var arrived = await WaitForAsync(step.Event!, began, deadline);
                    await ReportAsync(path, step.Type, arrived ? "event" : "timeout");
                    await StepsAsync(arrived ? step.OnEvent : step.OnTimeout, path + (arrived ? ".onEvent" : ".onTimeout"));
                    break;
                case JourneyStep.If:
                    var holds = await AskAsync(JourneyQuestion.Rule, step.Rule!);
                    await ReportAsync(path, step.Type, holds.Yes ? "then" : "else");
                    await StepsAsync(holds.Yes ? step.Then : step.Else, path + (holds.Yes ? ".then" : ".else"));
                    break;
                case JourneyStep.CheckConsent:
                    var granted = (await AskAsync(JourneyQuestion.Consent, step.Purpose!)).Yes;
                    await ReportAsync(path, step.Type, granted ? "granted" : "absent");
                    if (!granted)
                    {
                        if (step.Else is null)
                        {
                            throw new ExitException("consentAbsent:" + step.Purpose);
                        }

                        await StepsAsync(step.Else, path + ".else");
                    }

                    break;
                case JourneyStep.ActionStep:
                    await ActAsync(step, path);
                    break;
                case JourneyStep.Exit:
                    await ReportAsync(path, step.Type, step.Reason);
                    throw new ExitException(step.Reason ?? "exitStep");
                default:
                    // Definitions are validated when saved; one that is not is a bug, and failing shows it.
                    throw new InvalidOperationException($"Step {path} of journey '{run.Journey.Id}' is not runnable ('{step.Type}').");
            }
        }

        /// <summary>
        /// Runs an action step: on an instance of <see cref="OrchestrationVersion.PluginActions"/> or later, every action
        /// (built-in or plugged in) through <see cref="JourneyActivityNames.RunAction"/>, tried as the step says
        /// (<c>retries</c> attempts in all, <c>retryInterval</c> before the second, doubling up to
        /// <see cref="MaxWebhookRetryInterval"/> or the first interval if longer). Between attempts the instance waits as
        /// in a wait step, so an exit raised meanwhile ends it; the activity asks for consent at each attempt of an action
        /// that contacts the person. The last failure fails the instance. Older instances keep the path they started on.
        /// </summary>
        private async Task ActAsync(JourneyStep step, string path)
        {
            if (!OrchestrationVersion.IsAtLeast(context, OrchestrationVersion.PluginActions))
            {
                await ActBeforePluginsAsync(step, path);
                return;
            }

            await ReportAsync(path, step.Type, step.Action);
            var call = new JourneyActionCall(run.Journey.Id, run.Journey.Version, run.ProfileId, context.InstanceId, path, step.Action!, step.Settings.ToJsonString(), run.Journey.Purpose);
            var outcome = await AttemptsAsync(step, () => context.CallActivityAsync<JourneyActionOutcome>(JourneyActivityNames.RunAction, call));
            if (outcome.ConsentAbsent)
            {
                await ReportAsync(path, step.Type, "consentAbsent");
                throw new ExitException("consentAbsent:" + call.Purpose);
            }
        }

        /// <summary>
        /// Runs <paramref name="attempt"/> as the step's attempts say: <c>retries</c> in all, <c>retryInterval</c> before
        /// the second, doubling up to <see cref="MaxWebhookRetryInterval"/> (or the first interval if longer), waiting as a
        /// wait step does (an exit meanwhile ends the run), then <paramref name="between"/> before the next attempt.
        /// </summary>
        private async Task<T> AttemptsAsync<T>(JourneyStep step, Func<Task<T>> attempt, Func<Task>? between = null)
        {
            var attempts = Math.Max(1, step.Retries ?? DefaultRetries);
            var interval = JourneyValidator.TryParseDuration(step.RetryInterval, out var first) ? first : DefaultRetryInterval;
            var longest = interval > MaxWebhookRetryInterval ? interval : MaxWebhookRetryInterval;
            for (var made = 1; ; made++)
            {
                try
                {
                    return await attempt();
                }
                catch (TaskFailedException) when (made < attempts)
                {
                    await WaitAsync(context.CurrentUtcDateTime + interval);
                    interval = interval * 2 > longest ? longest : interval * 2;
                    if (between is not null)
                    {
                        await between();
                    }
                }
            }
        }

        /// <summary>Instances started before versioning (no version): unchanged, so their histories replay.</summary>
        private async Task ActBeforePluginsAsync(JourneyStep step, string path)
        {
            if (step.Action == JourneyStep.Webhook)
            {
                await ConsentForContactAsync(path, step);
            }

            await ReportAsync(path, step.Type, step.Action);
            switch (step.Action)
            {
                case JourneyStep.Webhook:
                    await WebhookAsync(step, path);
                    break;
                case JourneyStep.SetTrait or JourneyStep.AddTag:
                    var change = new JourneyProfileChange(run.ProfileId, run.Journey.Id, context.InstanceId + "/" + path, step.Trait ?? string.Empty, step.Value, step.Action == JourneyStep.AddTag ? step.Tag : null);
                    await context.CallActivityAsync<string>(JourneyActivityNames.ChangeProfile, change, InternalRetry);
                    break;
                default:
                    // A plugin's action (validated against the plugins when saved): run at least once, with retries.
                    var call = new JourneyActionCall(run.Journey.Id, run.Journey.Version, run.ProfileId, context.InstanceId, path, step.Action!, PluginSettingsBeforeVersioning(step), run.Journey.Purpose);
                    var outcome = await context.CallActivityAsync<JourneyActionOutcome>(JourneyActivityNames.RunAction, call, PluginRetry);
                    if (outcome.ConsentAbsent)
                    {
                        await ReportAsync(path, step.Type, "consentAbsent");
                        throw new ExitException("consentAbsent:" + call.Purpose);
                    }

                    break;
            }
        }

        /// <summary>What instances started before versioning handed a plugin: the step's fields other than the built-in ones.</summary>
        private static string PluginSettingsBeforeVersioning(JourneyStep step) =>
            step.Extra is null ? "{}" : new System.Text.Json.Nodes.JsonObject(step.Extra.Select(p => KeyValuePair.Create(p.Key, System.Text.Json.Nodes.JsonNode.Parse(p.Value.GetRawText())))).ToJsonString();

        /// <summary>Consent is checked at the moment of contact (each attempt), not when the journey started.</summary>
        private async Task ConsentForContactAsync(string path, JourneyStep step)
        {
            if (run.Journey.Purpose is { } purpose && !(await AskAsync(JourneyQuestion.Consent, purpose)).Yes)
            {
                await ReportAsync(path, step.Type, "consentAbsent");
                throw new ExitException("consentAbsent:" + purpose);
            }
        }

        /// <summary>
        /// Posts the webhook, retried per the step's policy (attempts, first interval, doubling up to
        /// <see cref="MaxWebhookRetryInterval"/> or the first interval if longer). Between attempts the instance waits
        /// as in a wait step, so an exit raised meanwhile ends it, and consent is asked again before each attempt; the
        /// sender also refuses a call whose purpose is not granted at that moment. The last failure fails the instance.
        /// </summary>
        private async Task WebhookAsync(JourneyStep step, string path)
        {
            var timeout = JourneyValidator.TryParseDuration(step.Timeout, out var parsed, JourneyValidator.MaxWebhookTimeout) ? parsed : DefaultWebhookTimeout;
            var call = new JourneyWebhook(step.Url!, step.Body, timeout, run.Journey.Id, run.Journey.Version, run.ProfileId, context.InstanceId, path, run.Journey.Purpose);
            var result = await AttemptsAsync(step, () => context.CallActivityAsync<WebhookResult>(JourneyActivityNames.Webhook, call), () => ConsentForContactAsync(path, step));
            if (result.ConsentAbsent)
            {
                await ReportAsync(path, step.Type, "consentAbsent");
                throw new ExitException("consentAbsent:" + call.Purpose);
            }
        }

        private async Task<DateTime> FireAtAsync(JourneyStep step)
        {
            TimeOnly? until = JourneyValidator.TryParseTimeOfDay(step.Until, out var time) ? time : null;
            var zone = TimeZoneInfo.Utc;
            if (until is not null)
            {
                var profileZone = await AskAsync(JourneyQuestion.TimeZone, string.Empty);
                if (!JourneyClock.TryFindZone(profileZone.Yes ? profileZone.Text : run.Journey.TimeZone, out zone))
                {
                    zone = TimeZoneInfo.Utc;
                }
            }

            return JourneyClock.FireAt(context.CurrentUtcDateTime, step.Duration is null ? null : Duration(step.Duration), until, zone);
        }

        private async Task WaitAsync(DateTime fire)
        {
            using var cancel = new CancellationTokenSource();
            var timer = context.CreateTimer(fire, cancel.Token);
            if (await Task.WhenAny(timer, _exit) == _exit)
            {
                cancel.Cancel();
                ThrowIfExited();
            }
        }

        /// <summary>
        /// True when the event arrives before <paramref name="deadline"/>. Signals from before the step began (buffered
        /// while the instance was elsewhere) and signals already consumed (a redelivered change raises the same id) are
        /// skipped. The step's start is taken before it reports itself, so an event raised once the record shows the
        /// step is never taken for an old one.
        /// </summary>
        private async Task<bool> WaitForAsync(string eventName, DateTime began, DateTime deadline)
        {
            using var cancelTimer = new CancellationTokenSource();
            var timer = context.CreateTimer(deadline, cancelTimer.Token);
            while (true)
            {
                using var cancelWait = new CancellationTokenSource();
                var signal = context.WaitForExternalEvent<JourneySignal>(JourneySignals.ForEvent(eventName), cancelWait.Token);
                var first = await Task.WhenAny(signal, timer, _exit);
                if (first != signal)
                {
                    cancelWait.Cancel();
                    if (first == _exit)
                    {
                        cancelTimer.Cancel();
                        ThrowIfExited();
                    }

                    return false;
                }

                var received = await signal;
                if (received.At.UtcDateTime >= began && (received.Id is null || _consumed.Add(received.Id)))
                {
                    cancelTimer.Cancel();
                    return true;
                }
            }
        }

        private Task<JourneyAnswer> AskAsync(string kind, string text) =>
            context.CallActivityAsync<JourneyAnswer>(JourneyActivityNames.Ask, new JourneyQuestion(run.ProfileId, kind, text), InternalRetry);

        private Task ReportAsync(string step, string type, string? outcome, JourneyInstanceStatus? status = null, string? reason = null) =>
            context.CallActivityAsync(
                JourneyActivityNames.Record,
                new JourneyReport(context.InstanceId, ++_sequence, step, type, new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero), outcome, status, reason),
                InternalRetry);

        private void ThrowIfExited()
        {
            if (_exit.IsCompletedSuccessfully)
            {
                throw new ExitException(_exit.Result.Reason ?? "exit");
            }
        }

        private TimeSpan Duration(string? text) =>
            JourneyValidator.TryParseDuration(text, out var duration)
                ? duration
                : throw new InvalidOperationException($"Journey '{run.Journey.Id}' has a bad duration '{text}'.");
    }

    private sealed class ExitException(string reason) : Exception(reason)
    {
        public string Reason { get; } = reason;
    }
}

/// <summary>The names of the journey activities, one per kind of I/O.</summary>
public static class JourneyActivityNames
{
    public const string Ask = "JourneyAsk";
    public const string Record = "JourneyRecord";
    public const string ChangeProfile = "JourneyChangeProfile";
    public const string Webhook = "JourneyWebhook";
    public const string RunAction = "JourneyRunAction";
}
